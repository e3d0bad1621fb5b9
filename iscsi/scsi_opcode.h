// SCSI operation codes (SPC-4, SBC-3) and service actions the target and initiator use.
//
// Opcode is an enum over the whole byte: a CDB may carry any value, including ones with no
// enumerator, which the target answers with INVALID COMMAND OPERATION CODE.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace uiscsi::iscsi::scsi {

enum class Opcode : std::uint8_t {
  test_unit_ready = 0x00,
  request_sense = 0x03,
  read_6 = 0x08,
  write_6 = 0x0a,
  inquiry = 0x12,
  mode_select_6 = 0x15,
  reserve_6 = 0x16,
  release_6 = 0x17,
  mode_sense_6 = 0x1a,
  start_stop_unit = 0x1b,
  send_diagnostic = 0x1d,
  prevent_allow_medium_removal = 0x1e,
  read_capacity_10 = 0x25,
  read_10 = 0x28,
  write_10 = 0x2a,
  write_and_verify_10 = 0x2e,
  verify_10 = 0x2f,
  synchronize_cache_10 = 0x35,
  write_buffer = 0x3b,
  read_buffer = 0x3c,
  write_same_10 = 0x41,
  unmap = 0x42,
  log_select = 0x4c,
  log_sense = 0x4d,
  mode_select_10 = 0x55,
  reserve_10 = 0x56,
  release_10 = 0x57,
  mode_sense_10 = 0x5a,
  persistent_reserve_in = 0x5e,
  persistent_reserve_out = 0x5f,
  read_16 = 0x88,
  compare_and_write = 0x89,
  write_16 = 0x8a,
  write_and_verify_16 = 0x8e,
  verify_16 = 0x8f,
  synchronize_cache_16 = 0x91,
  write_same_16 = 0x93,
  service_action_in_16 = 0x9e,
  report_luns = 0xa0,
  maintenance_in = 0xa3,
  maintenance_out = 0xa4,
  read_12 = 0xa8,
  write_12 = 0xaa,
  write_and_verify_12 = 0xae,
  verify_12 = 0xaf,
};

// SERVICE ACTION IN (16) service actions (SBC-3 5.16, 5.8).
enum class ServiceActionIn16 : std::uint8_t {
  read_capacity_16 = 0x10,
  get_lba_status = 0x12,
};

// MAINTENANCE IN service actions (SPC-4 6.27, 6.35, 6.36).
enum class MaintenanceIn : std::uint8_t {
  report_target_port_groups = 0x0a,
  report_supported_operation_codes = 0x0c,
  report_supported_task_management_functions = 0x0d,
};

// MAINTENANCE OUT service actions (SPC-4 6.43).
enum class MaintenanceOut : std::uint8_t {
  set_target_port_groups = 0x0a,
};

// PERSISTENT RESERVE IN service actions (SPC-4 6.13).
enum class PersistentReserveIn : std::uint8_t {
  read_keys = 0x00,
  read_reservation = 0x01,
  report_capabilities = 0x02,
  read_full_status = 0x03,
};

// PERSISTENT RESERVE OUT service actions (SPC-4 6.14).
enum class PersistentReserveOut : std::uint8_t {
  register_key = 0x00,
  reserve = 0x01,
  release = 0x02,
  clear = 0x03,
  preempt = 0x04,
  preempt_and_abort = 0x05,
  register_and_ignore_existing_key = 0x06,
  register_and_move = 0x07,
  replace_lost_reservation = 0x08,
};

// CDB length implied by the opcode's group code (SPC-4 4.2.5.1): 6, 10, 12 or 16; 0 for the
// reserved group 3 (variable-length CDBs, 7Fh) and the vendor-specific groups 6 and 7.
constexpr std::size_t cdb_length(std::uint8_t opcode) noexcept {
  switch (opcode >> 5) {
    case 0: return 6;
    case 1:
    case 2: return 10;
    case 4: return 16;
    case 5: return 12;
    default: return 0;
  }
}

// "READ (10)", "SERVICE ACTION IN (16)", ...; empty for values without an enumerator.
std::string_view opcode_name(std::uint8_t opcode) noexcept;

// The SERVICE ACTION field (byte 1, bits 4-0) for the opcodes that have one (SERVICE ACTION
// IN (16), MAINTENANCE IN/OUT, PERSISTENT RESERVE IN/OUT); nullopt for other opcodes or a
// CDB too short to hold it.
std::optional<std::uint8_t> service_action(std::span<const std::byte> cdb) noexcept;

}  // namespace uiscsi::iscsi::scsi
