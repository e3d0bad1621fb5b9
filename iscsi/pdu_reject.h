// Reject (RFC 7143 11.17). The data segment carries the complete header of the rejected
// PDU. The Reason codes and their error_code category are in iscsi/reject.h.
// Field conventions: see iscsi/pdu_scsi.h. ITT is always the reserved tag; encode() sets it.
#pragma once

#include <cstdint>

#include "iscsi/bhs.h"
#include "iscsi/reject.h"

namespace uiscsi::iscsi {

struct Reject {
  static constexpr Opcode kOpcode = Opcode::reject;

  RejectReason reason = RejectReason::protocol_error;
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  // "DataSN/R2TSN": the expected DataSN/R2TSN for a rejected SNACK (11.17.3), else reserved.
  std::uint32_t data_sn_or_r2t_sn = 0;

  Bhs encode() const noexcept;
  static Reject decode(const Bhs& bhs) noexcept;

  friend bool operator==(const Reject&, const Reject&) = default;
};

}  // namespace uiscsi::iscsi
