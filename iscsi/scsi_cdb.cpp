#include "iscsi/scsi_cdb.h"

#include "iscsi/detail/scsi_fields.h"

namespace uiscsi::iscsi::scsi {
namespace {

using namespace detail;

// Byte 1 flags of the 10/12/16-byte block CDBs (SBC-3).
constexpr std::uint8_t kDpo = 0x10;
constexpr std::uint8_t kFua = 0x08;
constexpr std::uint8_t kAnchor = 0x10;
constexpr std::uint8_t kUnmap = 0x08;
constexpr std::uint8_t kNdob = 0x01;

BlockOp block_op(Opcode op) noexcept {
  switch (op) {
    case Opcode::write_6:
    case Opcode::write_10:
    case Opcode::write_12:
    case Opcode::write_16: return BlockOp::write;
    case Opcode::verify_10:
    case Opcode::verify_12:
    case Opcode::verify_16: return BlockOp::verify;
    case Opcode::write_and_verify_10:
    case Opcode::write_and_verify_12:
    case Opcode::write_and_verify_16: return BlockOp::write_and_verify;
    case Opcode::write_same_10:
    case Opcode::write_same_16: return BlockOp::write_same;
    case Opcode::compare_and_write: return BlockOp::compare_and_write;
    default: return BlockOp::read;
  }
}

Opcode opcode_of(std::span<const std::byte> cdb) noexcept { return static_cast<Opcode>(byte_at(cdb, 0)); }

// Common prologue: the CDB is non-empty, has the expected opcode and its full length.
std::error_code check_opcode(std::span<const std::byte> cdb, Opcode expected) noexcept {
  if (cdb.empty() || opcode_of(cdb) != expected) return invalid_opcode();
  return check_cdb(cdb, cdb_length(static_cast<std::uint8_t>(expected)));
}

}  // namespace

bool is_read_write(std::uint8_t opcode) noexcept {
  switch (static_cast<Opcode>(opcode)) {
    case Opcode::read_6:
    case Opcode::read_10:
    case Opcode::read_12:
    case Opcode::read_16:
    case Opcode::write_6:
    case Opcode::write_10:
    case Opcode::write_12:
    case Opcode::write_16:
    case Opcode::verify_10:
    case Opcode::verify_12:
    case Opcode::verify_16:
    case Opcode::write_and_verify_10:
    case Opcode::write_and_verify_12:
    case Opcode::write_and_verify_16:
    case Opcode::write_same_10:
    case Opcode::write_same_16:
    case Opcode::compare_and_write: return true;
    default: return false;
  }
}

std::uint64_t ReadWrite::data_blocks() const noexcept {
  switch (op) {
    case BlockOp::read:
    case BlockOp::write:
    case BlockOp::write_and_verify: return transfer_length;
    case BlockOp::verify:
      // SBC-3 5.41: BYTCHK 00b verifies the medium alone; 11b sends one block for all.
      return bytchk == 0 ? 0 : bytchk == 3 ? 1 : transfer_length;
    case BlockOp::write_same: return ndob ? 0 : 1;
    // SBC-3 5.2: the verify data followed by the write data, each transfer_length blocks.
    case BlockOp::compare_and_write: return 2 * std::uint64_t{transfer_length};
  }
  return 0;
}

std::error_code decode_read_write(std::span<const std::byte> cdb, ReadWrite& out) {
  if (cdb.empty() || !is_read_write(byte_at(cdb, 0))) return invalid_opcode();
  const std::size_t length = cdb_length(byte_at(cdb, 0));
  if (auto ec = check_cdb(cdb, length)) return ec;

  ReadWrite rw;
  rw.opcode = opcode_of(cdb);
  rw.op = block_op(rw.opcode);
  const std::byte* p = cdb.data();
  const std::uint8_t flags = byte_at(cdb, 1);
  switch (length) {
    case 6:
      // 21-bit LBA; no flags, protection or group (SBC-3 5.10).
      rw.lba = ((std::uint64_t{flags} & 0x1f) << 16) | load_be16(p + 2);
      rw.transfer_length = byte_at(cdb, 4) == 0 ? 256 : byte_at(cdb, 4);
      out = rw;
      return {};
    case 10:
      rw.lba = load_be32(p + 2);
      rw.group = byte_at(cdb, 6) & 0x1f;
      rw.transfer_length = load_be16(p + 7);
      break;
    case 12:
      rw.lba = load_be32(p + 2);
      rw.transfer_length = load_be32(p + 6);
      rw.group = byte_at(cdb, 10) & 0x1f;
      break;
    default:  // 16
      rw.lba = load_be64(p + 2);
      rw.transfer_length = rw.op == BlockOp::compare_and_write ? byte_at(cdb, 13) : load_be32(p + 10);
      rw.group = byte_at(cdb, 14) & 0x1f;
      break;
  }
  rw.protect = flags >> 5;
  switch (rw.op) {
    case BlockOp::read:
    case BlockOp::write:
    case BlockOp::compare_and_write:
      rw.dpo = (flags & kDpo) != 0;
      rw.fua = (flags & kFua) != 0;
      break;
    case BlockOp::verify:
    case BlockOp::write_and_verify:
      rw.dpo = (flags & kDpo) != 0;
      rw.bytchk = (flags >> 1) & 0x03;
      // 10b is reserved for both; 11b exists only for VERIFY (SBC-3 5.41, 5.47).
      if (rw.bytchk == 2 || (rw.bytchk == 3 && rw.op == BlockOp::write_and_verify)) {
        return invalid_field_in_cdb();
      }
      break;
    case BlockOp::write_same:
      rw.anchor = (flags & kAnchor) != 0;
      rw.unmap = (flags & kUnmap) != 0;
      rw.ndob = length == 16 && (flags & kNdob) != 0;
      break;
  }
  out = rw;
  return {};
}

std::error_code decode_inquiry(std::span<const std::byte> cdb, InquiryCdb& out) {
  if (auto ec = check_opcode(cdb, Opcode::inquiry)) return ec;
  InquiryCdb v;
  v.evpd = bit_at(cdb, 1, 0x01);
  v.page_code = byte_at(cdb, 2);
  v.allocation_length = load_be16(cdb.data() + 3);
  if (!v.evpd && v.page_code != 0) return invalid_field_in_cdb();
  out = v;
  return {};
}

std::error_code decode_request_sense(std::span<const std::byte> cdb, RequestSenseCdb& out) {
  if (auto ec = check_opcode(cdb, Opcode::request_sense)) return ec;
  out = {bit_at(cdb, 1, 0x01), byte_at(cdb, 4)};
  return {};
}

std::error_code decode_mode_sense(std::span<const std::byte> cdb, ModeSenseCdb& out) {
  const bool ten = !cdb.empty() && opcode_of(cdb) == Opcode::mode_sense_10;
  if (auto ec = check_opcode(cdb, ten ? Opcode::mode_sense_10 : Opcode::mode_sense_6)) return ec;
  ModeSenseCdb v;
  v.ten = ten;
  v.dbd = bit_at(cdb, 1, 0x08);
  v.llbaa = ten && bit_at(cdb, 1, 0x10);
  v.page_control = byte_at(cdb, 2) >> 6;
  v.page_code = byte_at(cdb, 2) & 0x3f;
  v.subpage_code = byte_at(cdb, 3);
  v.allocation_length = ten ? load_be16(cdb.data() + 7) : byte_at(cdb, 4);
  out = v;
  return {};
}

std::error_code decode_service_action_in_16(std::span<const std::byte> cdb, ServiceActionIn16Cdb& out) {
  if (auto ec = check_opcode(cdb, Opcode::service_action_in_16)) return ec;
  const auto action = static_cast<ServiceActionIn16>(byte_at(cdb, 1) & 0x1f);
  if (action != ServiceActionIn16::read_capacity_16 && action != ServiceActionIn16::get_lba_status) {
    return invalid_field_in_cdb();
  }
  out = {action, load_be64(cdb.data() + 2), load_be32(cdb.data() + 10)};
  return {};
}

std::error_code decode_report_luns(std::span<const std::byte> cdb, ReportLunsCdb& out) {
  if (auto ec = check_opcode(cdb, Opcode::report_luns)) return ec;
  out = {byte_at(cdb, 2), load_be32(cdb.data() + 6)};
  return {};
}

std::error_code decode_synchronize_cache(std::span<const std::byte> cdb, SynchronizeCacheCdb& out) {
  const bool sixteen = !cdb.empty() && opcode_of(cdb) == Opcode::synchronize_cache_16;
  if (auto ec = check_opcode(cdb, sixteen ? Opcode::synchronize_cache_16 : Opcode::synchronize_cache_10)) {
    return ec;
  }
  SynchronizeCacheCdb v;
  v.immed = bit_at(cdb, 1, 0x02);
  if (sixteen) {
    v.lba = load_be64(cdb.data() + 2);
    v.blocks = load_be32(cdb.data() + 10);
    v.group = byte_at(cdb, 14) & 0x1f;
  } else {
    v.lba = load_be32(cdb.data() + 2);
    v.group = byte_at(cdb, 6) & 0x1f;
    v.blocks = load_be16(cdb.data() + 7);
  }
  out = v;
  return {};
}

std::error_code decode_unmap(std::span<const std::byte> cdb, UnmapCdb& out) {
  if (auto ec = check_opcode(cdb, Opcode::unmap)) return ec;
  out = {bit_at(cdb, 1, 0x01), static_cast<std::uint8_t>(byte_at(cdb, 6) & 0x1f), load_be16(cdb.data() + 7)};
  return {};
}

}  // namespace uiscsi::iscsi::scsi
