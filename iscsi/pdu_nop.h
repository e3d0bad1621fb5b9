// NOP-Out / NOP-In (RFC 7143 11.18, 11.19). Field conventions: see iscsi/pdu_scsi.h.
#pragma once

#include <cstdint>

#include "iscsi/bhs.h"

namespace uiscsi::iscsi {

struct NopOut {
  static constexpr Opcode kOpcode = Opcode::nop_out;

  bool immediate = false;
  std::uint64_t lun = 0;
  std::uint32_t initiator_task_tag = kReservedTag;   // reserved: no NOP-In wanted
  std::uint32_t target_transfer_tag = kReservedTag;  // set when answering a NOP-In
  std::uint32_t cmd_sn = 0;
  std::uint32_t exp_stat_sn = 0;

  Bhs encode() const noexcept;
  static NopOut decode(const Bhs& bhs) noexcept;

  friend bool operator==(const NopOut&, const NopOut&) = default;
};

struct NopIn {
  static constexpr Opcode kOpcode = Opcode::nop_in;

  std::uint64_t lun = 0;
  std::uint32_t initiator_task_tag = kReservedTag;   // reserved for a target-initiated ping
  std::uint32_t target_transfer_tag = kReservedTag;  // not reserved: a NOP-Out reply is wanted
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;

  Bhs encode() const noexcept;
  static NopIn decode(const Bhs& bhs) noexcept;

  friend bool operator==(const NopIn&, const NopIn&) = default;
};

}  // namespace uiscsi::iscsi
