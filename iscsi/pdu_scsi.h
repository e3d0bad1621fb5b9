// SCSI Command (RFC 7143 11.3) and SCSI Response (RFC 7143 11.4) PDUs.
//
// Conventions for every typed PDU (iscsi/pdu_*.h):
//  - Fields are named after the RFC and hold host-order values; reserved bytes encode as 0
//    and are ignored on decode.
//  - TotalAHSLength and DataSegmentLength are framing fields: encode() leaves them 0 and the
//    PduWriter sets them from the AHS and data it sends; a received PDU's lengths are on its
//    Bhs (Bhs::data_segment_length()).
//  - decode(bhs) does not check the opcode: the caller dispatches on bhs.opcode() first.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <system_error>
#include <vector>

#include "iscsi/bhs.h"

namespace uiscsi::iscsi {

// ATTR of the SCSI Command (RFC 7143 11.3.1, SAM task attributes).
enum class TaskAttribute : std::uint8_t {
  untagged = 0,
  simple = 1,
  ordered = 2,
  head_of_queue = 3,
  aca = 4,
};

struct ScsiCommand {
  static constexpr Opcode kOpcode = Opcode::scsi_command;

  bool immediate = false;
  bool final = true;   // F: no unsolicited Data-Out follows
  bool read = false;   // R
  bool write = false;  // W
  TaskAttribute attr = TaskAttribute::simple;
  std::uint64_t lun = 0;
  std::uint32_t initiator_task_tag = 0;
  std::uint32_t expected_data_transfer_length = 0;
  std::uint32_t cmd_sn = 0;
  std::uint32_t exp_stat_sn = 0;
  // The CDB field of the BHS: the first 16 CDB bytes, zero-padded when the CDB is shorter.
  std::array<std::byte, 16> cdb{};
  // CDB bytes 16.. of a CDB longer than 16 bytes, sent in an Extended CDB AHS. Empty
  // (and unallocated) for the usual CDB of at most 16 bytes.
  std::vector<std::byte> extended_cdb;
  // Bidirectional Read Expected Data Transfer Length AHS (bidirectional commands only).
  std::optional<std::uint32_t> bidirectional_read_data_length;

  // Stores a CDB of any length: the first 16 bytes in `cdb`, the rest in `extended_cdb`.
  void set_cdb(std::span<const std::byte> full_cdb);

  Bhs encode() const noexcept;
  // Appends the AHS this command needs to `out` (nothing for a CDB of at most 16 bytes and
  // no bidirectional length). Send it as OutgoingPdu::ahs.
  void encode_ahs(std::vector<std::byte>& out) const;

  // BHS fields only: extended_cdb and bidirectional_read_data_length stay empty.
  static ScsiCommand decode(const Bhs& bhs) noexcept;
  // BHS and AHS. pdu_errc::bad_ahs for an unknown, duplicated or malformed AHS.
  static ScsiCommand decode(const Bhs& bhs, std::span<const std::byte> ahs, std::error_code& ec);

  friend bool operator==(const ScsiCommand&, const ScsiCommand&) = default;
};

// Response field of the SCSI Response (RFC 7143 11.4.3).
enum class ServiceResponse : std::uint8_t {
  command_completed_at_target = 0x00,
  target_failure = 0x01,
};

// The data segment, if any, carries SenseLength + sense data / response data (11.4.7).
struct ScsiResponse {
  static constexpr Opcode kOpcode = Opcode::scsi_response;

  bool bidirectional_read_residual_overflow = false;   // o
  bool bidirectional_read_residual_underflow = false;  // u
  bool residual_overflow = false;                      // O
  bool residual_underflow = false;                     // U
  ServiceResponse response = ServiceResponse::command_completed_at_target;
  std::uint8_t status = 0;  // SCSI status byte (SAM), valid when response is completed
  std::uint32_t initiator_task_tag = 0;
  std::uint32_t snack_tag = 0;
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  std::uint32_t exp_data_sn = 0;
  std::uint32_t bidirectional_read_residual_count = 0;
  std::uint32_t residual_count = 0;

  Bhs encode() const noexcept;
  static ScsiResponse decode(const Bhs& bhs) noexcept;

  friend bool operator==(const ScsiResponse&, const ScsiResponse&) = default;
};

}  // namespace uiscsi::iscsi
