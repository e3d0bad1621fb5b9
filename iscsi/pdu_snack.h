// SNACK Request (RFC 7143 11.16). Field conventions: see iscsi/pdu_scsi.h.
#pragma once

#include <cstdint>

#include "iscsi/bhs.h"

namespace uiscsi::iscsi {

// Type (RFC 7143 11.16.1).
enum class SnackType : std::uint8_t {
  data_r2t = 0,
  status = 1,
  data_ack = 2,
  r_data = 3,
};

struct SnackRequest {
  static constexpr Opcode kOpcode = Opcode::snack_request;

  SnackType type = SnackType::data_r2t;
  std::uint64_t lun = 0;
  std::uint32_t initiator_task_tag = kReservedTag;
  // "Target Transfer Tag or SNACK Tag" (11.16.3): the SNACK Tag for an R-Data SNACK, the
  // TTT of the acknowledged Data-In for a DataACK, reserved otherwise.
  std::uint32_t target_transfer_tag = kReservedTag;
  std::uint32_t exp_stat_sn = 0;
  std::uint32_t beg_run = 0;
  std::uint32_t run_length = 0;

  Bhs encode() const noexcept;
  static SnackRequest decode(const Bhs& bhs) noexcept;

  friend bool operator==(const SnackRequest&, const SnackRequest&) = default;
};

}  // namespace uiscsi::iscsi
