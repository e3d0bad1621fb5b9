#include "iscsi/pdu_reject.h"

namespace uiscsi::iscsi {
namespace {

// RFC 7143 11.17: byte 2 Reason, 24 StatSN, 28 ExpCmdSN, 32 MaxCmdSN, 36 DataSN/R2TSN.
constexpr std::size_t kReason = 2;
constexpr std::size_t kStatSn = 24;
constexpr std::size_t kExpCmdSn = 28;
constexpr std::size_t kMaxCmdSn = 32;
constexpr std::size_t kDataSnOrR2tSn = 36;

}  // namespace

Bhs Reject::encode() const noexcept {
  Bhs b;
  b.set_opcode(kOpcode);
  b.set_final(true);
  b.set_u8(kReason, static_cast<std::uint8_t>(reason));
  b.set_initiator_task_tag(kReservedTag);
  b.set_u32(kStatSn, stat_sn);
  b.set_u32(kExpCmdSn, exp_cmd_sn);
  b.set_u32(kMaxCmdSn, max_cmd_sn);
  b.set_u32(kDataSnOrR2tSn, data_sn_or_r2t_sn);
  return b;
}

Reject Reject::decode(const Bhs& b) noexcept {
  Reject r;
  r.reason = RejectReason{b.u8(kReason)};
  r.stat_sn = b.u32(kStatSn);
  r.exp_cmd_sn = b.u32(kExpCmdSn);
  r.max_cmd_sn = b.u32(kMaxCmdSn);
  r.data_sn_or_r2t_sn = b.u32(kDataSnOrR2tSn);
  return r;
}

}  // namespace uiscsi::iscsi
