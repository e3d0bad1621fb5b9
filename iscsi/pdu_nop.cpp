#include "iscsi/pdu_nop.h"

namespace uiscsi::iscsi {
namespace {

// NOP-Out (RFC 7143 11.18): 20 TTT, 24 CmdSN, 28 ExpStatSN.
// NOP-In (RFC 7143 11.19): 20 TTT, 24 StatSN, 28 ExpCmdSN, 32 MaxCmdSN.
constexpr std::size_t kTargetTransferTag = 20;
constexpr std::size_t kCmdSn = 24;
constexpr std::size_t kStatSn = 24;
constexpr std::size_t kExpStatSn = 28;
constexpr std::size_t kExpCmdSn = 28;
constexpr std::size_t kMaxCmdSn = 32;

}  // namespace

Bhs NopOut::encode() const noexcept {
  Bhs b;
  b.set_opcode(kOpcode);
  b.set_immediate(immediate);
  b.set_final(true);
  b.set_lun(lun);
  b.set_initiator_task_tag(initiator_task_tag);
  b.set_u32(kTargetTransferTag, target_transfer_tag);
  b.set_u32(kCmdSn, cmd_sn);
  b.set_u32(kExpStatSn, exp_stat_sn);
  return b;
}

NopOut NopOut::decode(const Bhs& b) noexcept {
  NopOut n;
  n.immediate = b.immediate();
  n.lun = b.lun();
  n.initiator_task_tag = b.initiator_task_tag();
  n.target_transfer_tag = b.u32(kTargetTransferTag);
  n.cmd_sn = b.u32(kCmdSn);
  n.exp_stat_sn = b.u32(kExpStatSn);
  return n;
}

Bhs NopIn::encode() const noexcept {
  Bhs b;
  b.set_opcode(kOpcode);
  b.set_final(true);
  b.set_lun(lun);
  b.set_initiator_task_tag(initiator_task_tag);
  b.set_u32(kTargetTransferTag, target_transfer_tag);
  b.set_u32(kStatSn, stat_sn);
  b.set_u32(kExpCmdSn, exp_cmd_sn);
  b.set_u32(kMaxCmdSn, max_cmd_sn);
  return b;
}

NopIn NopIn::decode(const Bhs& b) noexcept {
  NopIn n;
  n.lun = b.lun();
  n.initiator_task_tag = b.initiator_task_tag();
  n.target_transfer_tag = b.u32(kTargetTransferTag);
  n.stat_sn = b.u32(kStatSn);
  n.exp_cmd_sn = b.u32(kExpCmdSn);
  n.max_cmd_sn = b.u32(kMaxCmdSn);
  return n;
}

}  // namespace uiscsi::iscsi
