#include "iscsi/pdu_text.h"

namespace uiscsi::iscsi {
namespace {

// Byte 1: F|C (RFC 7143 11.10, 11.11). Request: 20 TTT, 24 CmdSN, 28 ExpStatSN.
// Response: 20 TTT, 24 StatSN, 28 ExpCmdSN, 32 MaxCmdSN.
constexpr std::uint8_t kContinue = 0x40;
constexpr std::size_t kTargetTransferTag = 20;
constexpr std::size_t kCmdSn = 24;
constexpr std::size_t kStatSn = 24;
constexpr std::size_t kExpStatSn = 28;
constexpr std::size_t kExpCmdSn = 28;
constexpr std::size_t kMaxCmdSn = 32;

}  // namespace

Bhs TextRequest::encode() const noexcept {
  Bhs b;
  b.set_opcode(kOpcode);
  b.set_immediate(immediate);
  b.set_final(final);
  b.set_bit(1, kContinue, continue_);
  b.set_lun(lun);
  b.set_initiator_task_tag(initiator_task_tag);
  b.set_u32(kTargetTransferTag, target_transfer_tag);
  b.set_u32(kCmdSn, cmd_sn);
  b.set_u32(kExpStatSn, exp_stat_sn);
  return b;
}

TextRequest TextRequest::decode(const Bhs& b) noexcept {
  TextRequest t;
  t.immediate = b.immediate();
  t.final = b.final();
  t.continue_ = b.bit(1, kContinue);
  t.lun = b.lun();
  t.initiator_task_tag = b.initiator_task_tag();
  t.target_transfer_tag = b.u32(kTargetTransferTag);
  t.cmd_sn = b.u32(kCmdSn);
  t.exp_stat_sn = b.u32(kExpStatSn);
  return t;
}

Bhs TextResponse::encode() const noexcept {
  Bhs b;
  b.set_opcode(kOpcode);
  b.set_final(final);
  b.set_bit(1, kContinue, continue_);
  b.set_lun(lun);
  b.set_initiator_task_tag(initiator_task_tag);
  b.set_u32(kTargetTransferTag, target_transfer_tag);
  b.set_u32(kStatSn, stat_sn);
  b.set_u32(kExpCmdSn, exp_cmd_sn);
  b.set_u32(kMaxCmdSn, max_cmd_sn);
  return b;
}

TextResponse TextResponse::decode(const Bhs& b) noexcept {
  TextResponse t;
  t.final = b.final();
  t.continue_ = b.bit(1, kContinue);
  t.lun = b.lun();
  t.initiator_task_tag = b.initiator_task_tag();
  t.target_transfer_tag = b.u32(kTargetTransferTag);
  t.stat_sn = b.u32(kStatSn);
  t.exp_cmd_sn = b.u32(kExpCmdSn);
  t.max_cmd_sn = b.u32(kMaxCmdSn);
  return t;
}

}  // namespace uiscsi::iscsi
