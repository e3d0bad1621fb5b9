#include "iscsi/pdu_async.h"

namespace uiscsi::iscsi {
namespace {

// RFC 7143 11.9: 24 StatSN, 28 ExpCmdSN, 32 MaxCmdSN, 36 AsyncEvent, 37 AsyncVCode,
// 38 Parameter1, 40 Parameter2, 42 Parameter3.
constexpr std::size_t kStatSn = 24;
constexpr std::size_t kExpCmdSn = 28;
constexpr std::size_t kMaxCmdSn = 32;
constexpr std::size_t kAsyncEvent = 36;
constexpr std::size_t kAsyncVCode = 37;
constexpr std::size_t kParameter1 = 38;
constexpr std::size_t kParameter2 = 40;
constexpr std::size_t kParameter3 = 42;

}  // namespace

Bhs AsyncMessage::encode() const noexcept {
  Bhs b;
  b.set_opcode(kOpcode);
  b.set_final(true);
  b.set_lun(lun);
  b.set_initiator_task_tag(kReservedTag);
  b.set_u32(kStatSn, stat_sn);
  b.set_u32(kExpCmdSn, exp_cmd_sn);
  b.set_u32(kMaxCmdSn, max_cmd_sn);
  b.set_u8(kAsyncEvent, static_cast<std::uint8_t>(async_event));
  b.set_u8(kAsyncVCode, async_vcode);
  b.set_u16(kParameter1, parameter1);
  b.set_u16(kParameter2, parameter2);
  b.set_u16(kParameter3, parameter3);
  return b;
}

AsyncMessage AsyncMessage::decode(const Bhs& b) noexcept {
  AsyncMessage a;
  a.lun = b.lun();
  a.stat_sn = b.u32(kStatSn);
  a.exp_cmd_sn = b.u32(kExpCmdSn);
  a.max_cmd_sn = b.u32(kMaxCmdSn);
  a.async_event = AsyncEvent{b.u8(kAsyncEvent)};
  a.async_vcode = b.u8(kAsyncVCode);
  a.parameter1 = b.u16(kParameter1);
  a.parameter2 = b.u16(kParameter2);
  a.parameter3 = b.u16(kParameter3);
  return a;
}

}  // namespace uiscsi::iscsi
