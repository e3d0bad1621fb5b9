// SCSI Data-Out / Data-In (RFC 7143 11.7) and Ready To Transfer (R2T, RFC 7143 11.8).
// Field conventions: see iscsi/pdu_scsi.h.
#pragma once

#include <cstdint>

#include "iscsi/bhs.h"

namespace uiscsi::iscsi {

struct DataOut {
  static constexpr Opcode kOpcode = Opcode::scsi_data_out;

  bool final = false;
  std::uint64_t lun = 0;
  std::uint32_t initiator_task_tag = 0;
  std::uint32_t target_transfer_tag = kReservedTag;  // reserved for unsolicited data
  std::uint32_t exp_stat_sn = 0;
  std::uint32_t data_sn = 0;
  std::uint32_t buffer_offset = 0;

  Bhs encode() const noexcept;
  static DataOut decode(const Bhs& bhs) noexcept;

  friend bool operator==(const DataOut&, const DataOut&) = default;
};

struct DataIn {
  static constexpr Opcode kOpcode = Opcode::scsi_data_in;

  bool final = false;
  bool acknowledge = false;         // A: DataACK SNACK requested (ERL > 0)
  bool residual_overflow = false;   // O
  bool residual_underflow = false;  // U
  bool status_present = false;      // S: status, StatSN and residual are valid (11.7.4)
  std::uint8_t status = 0;
  std::uint64_t lun = 0;
  std::uint32_t initiator_task_tag = 0;
  std::uint32_t target_transfer_tag = kReservedTag;
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  std::uint32_t data_sn = 0;
  std::uint32_t buffer_offset = 0;
  std::uint32_t residual_count = 0;

  Bhs encode() const noexcept;
  static DataIn decode(const Bhs& bhs) noexcept;

  friend bool operator==(const DataIn&, const DataIn&) = default;
};

struct R2t {
  static constexpr Opcode kOpcode = Opcode::r2t;

  std::uint64_t lun = 0;
  std::uint32_t initiator_task_tag = 0;
  std::uint32_t target_transfer_tag = 0;
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  std::uint32_t r2t_sn = 0;
  std::uint32_t buffer_offset = 0;
  std::uint32_t desired_data_transfer_length = 0;

  Bhs encode() const noexcept;
  static R2t decode(const Bhs& bhs) noexcept;

  friend bool operator==(const R2t&, const R2t&) = default;
};

}  // namespace uiscsi::iscsi
