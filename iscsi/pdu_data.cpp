#include "iscsi/pdu_data.h"

namespace uiscsi::iscsi {
namespace {

// Data-Out (RFC 7143 11.7): 20 TTT, 28 ExpStatSN, 36 DataSN, 40 Buffer Offset.
// Data-In: byte 1 F|A|.|.|.|O|U|S, byte 3 Status, 20 TTT, 24 StatSN, 28 ExpCmdSN,
// 32 MaxCmdSN, 36 DataSN, 40 Buffer Offset, 44 Residual Count.
// R2T (RFC 7143 11.8): 20 TTT, 24 StatSN, 28 ExpCmdSN, 32 MaxCmdSN, 36 R2TSN,
// 40 Buffer Offset, 44 Desired Data Transfer Length.
constexpr std::uint8_t kAcknowledge = 0x40;
constexpr std::uint8_t kOverflow = 0x04;
constexpr std::uint8_t kUnderflow = 0x02;
constexpr std::uint8_t kStatusPresent = 0x01;
constexpr std::size_t kStatus = 3;
constexpr std::size_t kTargetTransferTag = 20;
constexpr std::size_t kStatSn = 24;
constexpr std::size_t kExpStatSn = 28;
constexpr std::size_t kExpCmdSn = 28;
constexpr std::size_t kMaxCmdSn = 32;
constexpr std::size_t kDataSn = 36;
constexpr std::size_t kR2tSn = 36;
constexpr std::size_t kBufferOffset = 40;
constexpr std::size_t kResidualCount = 44;
constexpr std::size_t kDesiredDataTransferLength = 44;

}  // namespace

Bhs DataOut::encode() const noexcept {
  Bhs b;
  b.set_opcode(kOpcode);
  b.set_final(final);
  b.set_lun(lun);
  b.set_initiator_task_tag(initiator_task_tag);
  b.set_u32(kTargetTransferTag, target_transfer_tag);
  b.set_u32(kExpStatSn, exp_stat_sn);
  b.set_u32(kDataSn, data_sn);
  b.set_u32(kBufferOffset, buffer_offset);
  return b;
}

DataOut DataOut::decode(const Bhs& b) noexcept {
  DataOut d;
  d.final = b.final();
  d.lun = b.lun();
  d.initiator_task_tag = b.initiator_task_tag();
  d.target_transfer_tag = b.u32(kTargetTransferTag);
  d.exp_stat_sn = b.u32(kExpStatSn);
  d.data_sn = b.u32(kDataSn);
  d.buffer_offset = b.u32(kBufferOffset);
  return d;
}

Bhs DataIn::encode() const noexcept {
  Bhs b;
  b.set_opcode(kOpcode);
  b.set_final(final);
  b.set_bit(1, kAcknowledge, acknowledge);
  b.set_bit(1, kOverflow, residual_overflow);
  b.set_bit(1, kUnderflow, residual_underflow);
  b.set_bit(1, kStatusPresent, status_present);
  b.set_u8(kStatus, status);
  b.set_lun(lun);
  b.set_initiator_task_tag(initiator_task_tag);
  b.set_u32(kTargetTransferTag, target_transfer_tag);
  b.set_u32(kStatSn, stat_sn);
  b.set_u32(kExpCmdSn, exp_cmd_sn);
  b.set_u32(kMaxCmdSn, max_cmd_sn);
  b.set_u32(kDataSn, data_sn);
  b.set_u32(kBufferOffset, buffer_offset);
  b.set_u32(kResidualCount, residual_count);
  return b;
}

DataIn DataIn::decode(const Bhs& b) noexcept {
  DataIn d;
  d.final = b.final();
  d.acknowledge = b.bit(1, kAcknowledge);
  d.residual_overflow = b.bit(1, kOverflow);
  d.residual_underflow = b.bit(1, kUnderflow);
  d.status_present = b.bit(1, kStatusPresent);
  d.status = b.u8(kStatus);
  d.lun = b.lun();
  d.initiator_task_tag = b.initiator_task_tag();
  d.target_transfer_tag = b.u32(kTargetTransferTag);
  d.stat_sn = b.u32(kStatSn);
  d.exp_cmd_sn = b.u32(kExpCmdSn);
  d.max_cmd_sn = b.u32(kMaxCmdSn);
  d.data_sn = b.u32(kDataSn);
  d.buffer_offset = b.u32(kBufferOffset);
  d.residual_count = b.u32(kResidualCount);
  return d;
}

Bhs R2t::encode() const noexcept {
  Bhs b;
  b.set_opcode(kOpcode);
  b.set_final(true);
  b.set_lun(lun);
  b.set_initiator_task_tag(initiator_task_tag);
  b.set_u32(kTargetTransferTag, target_transfer_tag);
  b.set_u32(kStatSn, stat_sn);
  b.set_u32(kExpCmdSn, exp_cmd_sn);
  b.set_u32(kMaxCmdSn, max_cmd_sn);
  b.set_u32(kR2tSn, r2t_sn);
  b.set_u32(kBufferOffset, buffer_offset);
  b.set_u32(kDesiredDataTransferLength, desired_data_transfer_length);
  return b;
}

R2t R2t::decode(const Bhs& b) noexcept {
  R2t r;
  r.lun = b.lun();
  r.initiator_task_tag = b.initiator_task_tag();
  r.target_transfer_tag = b.u32(kTargetTransferTag);
  r.stat_sn = b.u32(kStatSn);
  r.exp_cmd_sn = b.u32(kExpCmdSn);
  r.max_cmd_sn = b.u32(kMaxCmdSn);
  r.r2t_sn = b.u32(kR2tSn);
  r.buffer_offset = b.u32(kBufferOffset);
  r.desired_data_transfer_length = b.u32(kDesiredDataTransferLength);
  return r;
}

}  // namespace uiscsi::iscsi
