#include "iscsi/pdu_task_management.h"

namespace uiscsi::iscsi {
namespace {

// Request (RFC 7143 11.5): byte 1 1|Function, 20 Referenced Task Tag, 24 CmdSN,
// 28 ExpStatSN, 32 RefCmdSN, 36 ExpDataSN.
// Response (RFC 7143 11.6): byte 2 Response, 24 StatSN, 28 ExpCmdSN, 32 MaxCmdSN.
constexpr std::uint8_t kFunctionMask = 0x7f;
constexpr std::size_t kResponse = 2;
constexpr std::size_t kReferencedTaskTag = 20;
constexpr std::size_t kCmdSn = 24;
constexpr std::size_t kStatSn = 24;
constexpr std::size_t kExpStatSn = 28;
constexpr std::size_t kExpCmdSn = 28;
constexpr std::size_t kRefCmdSn = 32;
constexpr std::size_t kMaxCmdSn = 32;
constexpr std::size_t kExpDataSn = 36;

}  // namespace

Bhs TaskManagementRequest::encode() const noexcept {
  Bhs b;
  b.set_opcode(kOpcode);
  b.set_immediate(immediate);
  b.set_u8(1, static_cast<std::uint8_t>(0x80 | (static_cast<std::uint8_t>(function) & kFunctionMask)));
  b.set_lun(lun);
  b.set_initiator_task_tag(initiator_task_tag);
  b.set_u32(kReferencedTaskTag, referenced_task_tag);
  b.set_u32(kCmdSn, cmd_sn);
  b.set_u32(kExpStatSn, exp_stat_sn);
  b.set_u32(kRefCmdSn, ref_cmd_sn);
  b.set_u32(kExpDataSn, exp_data_sn);
  return b;
}

TaskManagementRequest TaskManagementRequest::decode(const Bhs& b) noexcept {
  TaskManagementRequest t;
  t.immediate = b.immediate();
  t.function = TmfFunction{static_cast<std::uint8_t>(b.u8(1) & kFunctionMask)};
  t.lun = b.lun();
  t.initiator_task_tag = b.initiator_task_tag();
  t.referenced_task_tag = b.u32(kReferencedTaskTag);
  t.cmd_sn = b.u32(kCmdSn);
  t.exp_stat_sn = b.u32(kExpStatSn);
  t.ref_cmd_sn = b.u32(kRefCmdSn);
  t.exp_data_sn = b.u32(kExpDataSn);
  return t;
}

Bhs TaskManagementResponse::encode() const noexcept {
  Bhs b;
  b.set_opcode(kOpcode);
  b.set_final(true);
  b.set_u8(kResponse, static_cast<std::uint8_t>(response));
  b.set_initiator_task_tag(initiator_task_tag);
  b.set_u32(kStatSn, stat_sn);
  b.set_u32(kExpCmdSn, exp_cmd_sn);
  b.set_u32(kMaxCmdSn, max_cmd_sn);
  return b;
}

TaskManagementResponse TaskManagementResponse::decode(const Bhs& b) noexcept {
  TaskManagementResponse t;
  t.response = TmfResponse{b.u8(kResponse)};
  t.initiator_task_tag = b.initiator_task_tag();
  t.stat_sn = b.u32(kStatSn);
  t.exp_cmd_sn = b.u32(kExpCmdSn);
  t.max_cmd_sn = b.u32(kMaxCmdSn);
  return t;
}

}  // namespace uiscsi::iscsi
