#include "iscsi/pdu_snack.h"

namespace uiscsi::iscsi {
namespace {

// RFC 7143 11.16: byte 1 1|.|.|.|Type, 20 TTT or SNACK Tag, 28 ExpStatSN, 36 BegRun,
// 40 RunLength.
constexpr std::uint8_t kTypeMask = 0x0f;
constexpr std::size_t kTargetTransferTag = 20;
constexpr std::size_t kExpStatSn = 28;
constexpr std::size_t kBegRun = 36;
constexpr std::size_t kRunLength = 40;

}  // namespace

Bhs SnackRequest::encode() const noexcept {
  Bhs b;
  b.set_opcode(kOpcode);
  b.set_u8(1, static_cast<std::uint8_t>(0x80 | (static_cast<std::uint8_t>(type) & kTypeMask)));
  b.set_lun(lun);
  b.set_initiator_task_tag(initiator_task_tag);
  b.set_u32(kTargetTransferTag, target_transfer_tag);
  b.set_u32(kExpStatSn, exp_stat_sn);
  b.set_u32(kBegRun, beg_run);
  b.set_u32(kRunLength, run_length);
  return b;
}

SnackRequest SnackRequest::decode(const Bhs& b) noexcept {
  SnackRequest s;
  s.type = SnackType{static_cast<std::uint8_t>(b.u8(1) & kTypeMask)};
  s.lun = b.lun();
  s.initiator_task_tag = b.initiator_task_tag();
  s.target_transfer_tag = b.u32(kTargetTransferTag);
  s.exp_stat_sn = b.u32(kExpStatSn);
  s.beg_run = b.u32(kBegRun);
  s.run_length = b.u32(kRunLength);
  return s;
}

}  // namespace uiscsi::iscsi
