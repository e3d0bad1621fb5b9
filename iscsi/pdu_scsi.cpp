#include "iscsi/pdu_scsi.h"

#include <algorithm>

#include "iscsi/detail/byte_order.h"
#include "iscsi/pdu_ahs.h"
#include "iscsi/pdu_error.h"

namespace uiscsi::iscsi {
namespace {

// SCSI Command byte 1: F|R|W|.|.|ATTR (RFC 7143 11.3).
constexpr std::uint8_t kRead = 0x40;
constexpr std::uint8_t kWrite = 0x20;
constexpr std::uint8_t kAttrMask = 0x07;
constexpr std::size_t kExpectedDataTransferLength = 20;
constexpr std::size_t kCmdSn = 24;
constexpr std::size_t kExpStatSn = 28;
constexpr std::size_t kCdb = 32;

// SCSI Response byte 1: 1|.|.|o|u|O|U|. (RFC 7143 11.4).
constexpr std::uint8_t kBidiOverflow = 0x10;
constexpr std::uint8_t kBidiUnderflow = 0x08;
constexpr std::uint8_t kOverflow = 0x04;
constexpr std::uint8_t kUnderflow = 0x02;
constexpr std::size_t kResponse = 2;
constexpr std::size_t kStatus = 3;
constexpr std::size_t kSnackTag = 20;
constexpr std::size_t kStatSn = 24;
constexpr std::size_t kExpCmdSn = 28;
constexpr std::size_t kMaxCmdSn = 32;
constexpr std::size_t kExpDataSn = 36;
constexpr std::size_t kBidiResidualCount = 40;
constexpr std::size_t kResidualCount = 44;

}  // namespace

void ScsiCommand::set_cdb(std::span<const std::byte> full_cdb) {
  cdb.fill(std::byte{0});
  const std::size_t head = std::min(full_cdb.size(), cdb.size());
  std::copy_n(full_cdb.begin(), head, cdb.begin());
  extended_cdb.assign(full_cdb.begin() + static_cast<std::ptrdiff_t>(head), full_cdb.end());
}

Bhs ScsiCommand::encode() const noexcept {
  Bhs b;
  b.set_opcode(kOpcode);
  b.set_immediate(immediate);
  b.set_final(final);
  b.set_bit(1, kRead, read);
  b.set_bit(1, kWrite, write);
  b.set_u8(1, static_cast<std::uint8_t>(b.u8(1) | (static_cast<std::uint8_t>(attr) & kAttrMask)));
  b.set_lun(lun);
  b.set_initiator_task_tag(initiator_task_tag);
  b.set_u32(kExpectedDataTransferLength, expected_data_transfer_length);
  b.set_u32(kCmdSn, cmd_sn);
  b.set_u32(kExpStatSn, exp_stat_sn);
  std::copy(cdb.begin(), cdb.end(), b.raw.begin() + kCdb);
  return b;
}

void ScsiCommand::encode_ahs(std::vector<std::byte>& out) const {
  if (!extended_cdb.empty()) append_extended_cdb_ahs(out, extended_cdb);
  if (bidirectional_read_data_length) {
    append_bidirectional_read_data_length_ahs(out, *bidirectional_read_data_length);
  }
}

ScsiCommand ScsiCommand::decode(const Bhs& b) noexcept {
  ScsiCommand c;
  c.immediate = b.immediate();
  c.final = b.final();
  c.read = b.bit(1, kRead);
  c.write = b.bit(1, kWrite);
  c.attr = TaskAttribute{static_cast<std::uint8_t>(b.u8(1) & kAttrMask)};
  c.lun = b.lun();
  c.initiator_task_tag = b.initiator_task_tag();
  c.expected_data_transfer_length = b.u32(kExpectedDataTransferLength);
  c.cmd_sn = b.u32(kCmdSn);
  c.exp_stat_sn = b.u32(kExpStatSn);
  std::copy_n(b.raw.begin() + kCdb, c.cdb.size(), c.cdb.begin());
  return c;
}

ScsiCommand ScsiCommand::decode(const Bhs& b, std::span<const std::byte> ahs, std::error_code& ec) {
  ScsiCommand c = decode(b);
  ec.clear();
  bool have_extended_cdb = false;
  AhsSegment segment;
  while (!ahs.empty()) {
    if ((ec = next_ahs(ahs, segment))) return c;
    switch (AhsType{segment.type}) {
      case AhsType::extended_cdb:
        // Reserved byte, then at least one CDB byte (RFC 7143 11.2.2.3).
        if (have_extended_cdb || segment.specific.size() < 2) {
          ec = pdu_errc::bad_ahs;
          return c;
        }
        have_extended_cdb = true;
        c.extended_cdb.assign(segment.specific.begin() + 1, segment.specific.end());
        break;
      case AhsType::bidirectional_read_data_length:
        // Reserved byte, then the 4-byte length (RFC 7143 11.2.2.4).
        if (c.bidirectional_read_data_length || segment.specific.size() != 5) {
          ec = pdu_errc::bad_ahs;
          return c;
        }
        c.bidirectional_read_data_length = detail::load_be32(segment.specific.data() + 1);
        break;
      default:
        ec = pdu_errc::bad_ahs;
        return c;
    }
  }
  return c;
}

Bhs ScsiResponse::encode() const noexcept {
  Bhs b;
  b.set_opcode(kOpcode);
  b.set_final(true);
  b.set_bit(1, kBidiOverflow, bidirectional_read_residual_overflow);
  b.set_bit(1, kBidiUnderflow, bidirectional_read_residual_underflow);
  b.set_bit(1, kOverflow, residual_overflow);
  b.set_bit(1, kUnderflow, residual_underflow);
  b.set_u8(kResponse, static_cast<std::uint8_t>(response));
  b.set_u8(kStatus, status);
  b.set_initiator_task_tag(initiator_task_tag);
  b.set_u32(kSnackTag, snack_tag);
  b.set_u32(kStatSn, stat_sn);
  b.set_u32(kExpCmdSn, exp_cmd_sn);
  b.set_u32(kMaxCmdSn, max_cmd_sn);
  b.set_u32(kExpDataSn, exp_data_sn);
  b.set_u32(kBidiResidualCount, bidirectional_read_residual_count);
  b.set_u32(kResidualCount, residual_count);
  return b;
}

ScsiResponse ScsiResponse::decode(const Bhs& b) noexcept {
  ScsiResponse r;
  r.bidirectional_read_residual_overflow = b.bit(1, kBidiOverflow);
  r.bidirectional_read_residual_underflow = b.bit(1, kBidiUnderflow);
  r.residual_overflow = b.bit(1, kOverflow);
  r.residual_underflow = b.bit(1, kUnderflow);
  r.response = ServiceResponse{b.u8(kResponse)};
  r.status = b.u8(kStatus);
  r.initiator_task_tag = b.initiator_task_tag();
  r.snack_tag = b.u32(kSnackTag);
  r.stat_sn = b.u32(kStatSn);
  r.exp_cmd_sn = b.u32(kExpCmdSn);
  r.max_cmd_sn = b.u32(kMaxCmdSn);
  r.exp_data_sn = b.u32(kExpDataSn);
  r.bidirectional_read_residual_count = b.u32(kBidiResidualCount);
  r.residual_count = b.u32(kResidualCount);
  return r;
}

}  // namespace uiscsi::iscsi
