#include "iscsi/scsi_opcode.h"

namespace uiscsi::iscsi::scsi {

std::string_view opcode_name(std::uint8_t opcode) noexcept {
  switch (static_cast<Opcode>(opcode)) {
    case Opcode::test_unit_ready: return "TEST UNIT READY";
    case Opcode::request_sense: return "REQUEST SENSE";
    case Opcode::read_6: return "READ (6)";
    case Opcode::write_6: return "WRITE (6)";
    case Opcode::inquiry: return "INQUIRY";
    case Opcode::mode_select_6: return "MODE SELECT (6)";
    case Opcode::reserve_6: return "RESERVE (6)";
    case Opcode::release_6: return "RELEASE (6)";
    case Opcode::mode_sense_6: return "MODE SENSE (6)";
    case Opcode::start_stop_unit: return "START STOP UNIT";
    case Opcode::send_diagnostic: return "SEND DIAGNOSTIC";
    case Opcode::prevent_allow_medium_removal: return "PREVENT ALLOW MEDIUM REMOVAL";
    case Opcode::read_capacity_10: return "READ CAPACITY (10)";
    case Opcode::read_10: return "READ (10)";
    case Opcode::write_10: return "WRITE (10)";
    case Opcode::write_and_verify_10: return "WRITE AND VERIFY (10)";
    case Opcode::verify_10: return "VERIFY (10)";
    case Opcode::synchronize_cache_10: return "SYNCHRONIZE CACHE (10)";
    case Opcode::write_buffer: return "WRITE BUFFER";
    case Opcode::read_buffer: return "READ BUFFER";
    case Opcode::write_same_10: return "WRITE SAME (10)";
    case Opcode::unmap: return "UNMAP";
    case Opcode::log_select: return "LOG SELECT";
    case Opcode::log_sense: return "LOG SENSE";
    case Opcode::mode_select_10: return "MODE SELECT (10)";
    case Opcode::reserve_10: return "RESERVE (10)";
    case Opcode::release_10: return "RELEASE (10)";
    case Opcode::mode_sense_10: return "MODE SENSE (10)";
    case Opcode::persistent_reserve_in: return "PERSISTENT RESERVE IN";
    case Opcode::persistent_reserve_out: return "PERSISTENT RESERVE OUT";
    case Opcode::read_16: return "READ (16)";
    case Opcode::compare_and_write: return "COMPARE AND WRITE";
    case Opcode::write_16: return "WRITE (16)";
    case Opcode::write_and_verify_16: return "WRITE AND VERIFY (16)";
    case Opcode::verify_16: return "VERIFY (16)";
    case Opcode::synchronize_cache_16: return "SYNCHRONIZE CACHE (16)";
    case Opcode::write_same_16: return "WRITE SAME (16)";
    case Opcode::service_action_in_16: return "SERVICE ACTION IN (16)";
    case Opcode::report_luns: return "REPORT LUNS";
    case Opcode::maintenance_in: return "MAINTENANCE IN";
    case Opcode::maintenance_out: return "MAINTENANCE OUT";
    case Opcode::read_12: return "READ (12)";
    case Opcode::write_12: return "WRITE (12)";
    case Opcode::write_and_verify_12: return "WRITE AND VERIFY (12)";
    case Opcode::verify_12: return "VERIFY (12)";
  }
  return {};
}

std::optional<std::uint8_t> service_action(std::span<const std::byte> cdb) noexcept {
  if (cdb.size() < 2) return std::nullopt;
  switch (static_cast<Opcode>(std::to_integer<std::uint8_t>(cdb[0]))) {
    case Opcode::service_action_in_16:
    case Opcode::maintenance_in:
    case Opcode::maintenance_out:
    case Opcode::persistent_reserve_in:
    case Opcode::persistent_reserve_out:
      return static_cast<std::uint8_t>(std::to_integer<std::uint8_t>(cdb[1]) & 0x1f);
    default:
      return std::nullopt;
  }
}

}  // namespace uiscsi::iscsi::scsi
