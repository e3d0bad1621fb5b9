#include "iscsi/pdu_logout.h"

namespace uiscsi::iscsi {
namespace {

// Request (RFC 7143 11.14): byte 1 1|Reason Code, 20 CID, 24 CmdSN, 28 ExpStatSN.
// Response (RFC 7143 11.15): byte 2 Response, 24 StatSN, 28 ExpCmdSN, 32 MaxCmdSN,
// 40 Time2Wait, 42 Time2Retain.
constexpr std::uint8_t kReasonMask = 0x7f;
constexpr std::size_t kResponse = 2;
constexpr std::size_t kCid = 20;
constexpr std::size_t kCmdSn = 24;
constexpr std::size_t kStatSn = 24;
constexpr std::size_t kExpStatSn = 28;
constexpr std::size_t kExpCmdSn = 28;
constexpr std::size_t kMaxCmdSn = 32;
constexpr std::size_t kTime2Wait = 40;
constexpr std::size_t kTime2Retain = 42;

}  // namespace

Bhs LogoutRequest::encode() const noexcept {
  Bhs b;
  b.set_opcode(kOpcode);
  b.set_immediate(immediate);
  b.set_u8(1, static_cast<std::uint8_t>(0x80 | (static_cast<std::uint8_t>(reason) & kReasonMask)));
  b.set_initiator_task_tag(initiator_task_tag);
  b.set_u16(kCid, cid);
  b.set_u32(kCmdSn, cmd_sn);
  b.set_u32(kExpStatSn, exp_stat_sn);
  return b;
}

LogoutRequest LogoutRequest::decode(const Bhs& b) noexcept {
  LogoutRequest l;
  l.immediate = b.immediate();
  l.reason = LogoutReason{static_cast<std::uint8_t>(b.u8(1) & kReasonMask)};
  l.initiator_task_tag = b.initiator_task_tag();
  l.cid = b.u16(kCid);
  l.cmd_sn = b.u32(kCmdSn);
  l.exp_stat_sn = b.u32(kExpStatSn);
  return l;
}

Bhs LogoutResponse::encode() const noexcept {
  Bhs b;
  b.set_opcode(kOpcode);
  b.set_final(true);
  b.set_u8(kResponse, static_cast<std::uint8_t>(response));
  b.set_initiator_task_tag(initiator_task_tag);
  b.set_u32(kStatSn, stat_sn);
  b.set_u32(kExpCmdSn, exp_cmd_sn);
  b.set_u32(kMaxCmdSn, max_cmd_sn);
  b.set_u16(kTime2Wait, time2wait);
  b.set_u16(kTime2Retain, time2retain);
  return b;
}

LogoutResponse LogoutResponse::decode(const Bhs& b) noexcept {
  LogoutResponse l;
  l.response = LogoutResponseCode{b.u8(kResponse)};
  l.initiator_task_tag = b.initiator_task_tag();
  l.stat_sn = b.u32(kStatSn);
  l.exp_cmd_sn = b.u32(kExpCmdSn);
  l.max_cmd_sn = b.u32(kMaxCmdSn);
  l.time2wait = b.u16(kTime2Wait);
  l.time2retain = b.u16(kTime2Retain);
  return l;
}

}  // namespace uiscsi::iscsi
