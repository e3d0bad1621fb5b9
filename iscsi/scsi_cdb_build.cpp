#include "iscsi/scsi_cdb_build.h"

#include "iscsi/detail/scsi_fields.h"
#include "iscsi/scsi_opcode.h"

namespace uiscsi::iscsi::scsi::cdb {
namespace {

using namespace scsi::detail;

Cdb start(Opcode op) noexcept {
  Cdb c;
  c.length = static_cast<std::uint8_t>(cdb_length(static_cast<std::uint8_t>(op)));
  store_u8(c.bytes.data(), static_cast<std::uint8_t>(op));
  return c;
}

void set(Cdb& c, std::size_t at, std::uint8_t v) noexcept { store_u8(c.bytes.data() + at, v); }

std::uint8_t rw_byte1(const RwFlags& f) noexcept {
  return static_cast<std::uint8_t>(((f.protect & 0x07) << 5) | (f.dpo ? 0x10 : 0) | (f.fua ? 0x08 : 0));
}

Cdb rw_10(Opcode op, std::uint32_t lba, std::uint16_t blocks, const RwFlags& f) noexcept {
  Cdb c = start(op);
  set(c, 1, rw_byte1(f));
  store_be32(c.bytes.data() + 2, lba);
  set(c, 6, f.group & 0x1f);
  store_be16(c.bytes.data() + 7, blocks);
  return c;
}

Cdb rw_16(Opcode op, std::uint64_t lba, std::uint32_t blocks, const RwFlags& f) noexcept {
  Cdb c = start(op);
  set(c, 1, rw_byte1(f));
  store_be64(c.bytes.data() + 2, lba);
  store_be32(c.bytes.data() + 10, blocks);
  set(c, 14, f.group & 0x1f);
  return c;
}

}  // namespace

Cdb test_unit_ready() noexcept { return start(Opcode::test_unit_ready); }

Cdb request_sense(std::uint8_t allocation_length, bool descriptor_format) noexcept {
  Cdb c = start(Opcode::request_sense);
  set(c, 1, descriptor_format ? 0x01 : 0);
  set(c, 4, allocation_length);
  return c;
}

Cdb inquiry(std::uint16_t allocation_length) noexcept {
  Cdb c = start(Opcode::inquiry);
  store_be16(c.bytes.data() + 3, allocation_length);
  return c;
}

Cdb inquiry_vpd(std::uint8_t page_code, std::uint16_t allocation_length) noexcept {
  Cdb c = inquiry(allocation_length);
  set(c, 1, 0x01);  // EVPD
  set(c, 2, page_code);
  return c;
}

Cdb mode_sense_6(std::uint8_t page_code, std::uint8_t subpage_code, std::uint8_t allocation_length, bool dbd,
                 std::uint8_t page_control) noexcept {
  Cdb c = start(Opcode::mode_sense_6);
  set(c, 1, dbd ? 0x08 : 0);
  set(c, 2, static_cast<std::uint8_t>(((page_control & 0x03) << 6) | (page_code & 0x3f)));
  set(c, 3, subpage_code);
  set(c, 4, allocation_length);
  return c;
}

Cdb mode_sense_10(std::uint8_t page_code, std::uint8_t subpage_code, std::uint16_t allocation_length, bool dbd,
                  bool llbaa, std::uint8_t page_control) noexcept {
  Cdb c = start(Opcode::mode_sense_10);
  set(c, 1, static_cast<std::uint8_t>((llbaa ? 0x10 : 0) | (dbd ? 0x08 : 0)));
  set(c, 2, static_cast<std::uint8_t>(((page_control & 0x03) << 6) | (page_code & 0x3f)));
  set(c, 3, subpage_code);
  store_be16(c.bytes.data() + 7, allocation_length);
  return c;
}

Cdb read_capacity_10() noexcept { return start(Opcode::read_capacity_10); }

Cdb read_capacity_16(std::uint32_t allocation_length) noexcept {
  Cdb c = start(Opcode::service_action_in_16);
  set(c, 1, static_cast<std::uint8_t>(ServiceActionIn16::read_capacity_16));
  store_be32(c.bytes.data() + 10, allocation_length);
  return c;
}

Cdb get_lba_status(std::uint64_t lba, std::uint32_t allocation_length) noexcept {
  Cdb c = start(Opcode::service_action_in_16);
  set(c, 1, static_cast<std::uint8_t>(ServiceActionIn16::get_lba_status));
  store_be64(c.bytes.data() + 2, lba);
  store_be32(c.bytes.data() + 10, allocation_length);
  return c;
}

Cdb report_luns(std::uint32_t allocation_length, std::uint8_t select_report) noexcept {
  Cdb c = start(Opcode::report_luns);
  set(c, 2, select_report);
  store_be32(c.bytes.data() + 6, allocation_length);
  return c;
}

Cdb read_10(std::uint32_t lba, std::uint16_t blocks, RwFlags flags) noexcept {
  return rw_10(Opcode::read_10, lba, blocks, flags);
}
Cdb write_10(std::uint32_t lba, std::uint16_t blocks, RwFlags flags) noexcept {
  return rw_10(Opcode::write_10, lba, blocks, flags);
}
Cdb read_16(std::uint64_t lba, std::uint32_t blocks, RwFlags flags) noexcept {
  return rw_16(Opcode::read_16, lba, blocks, flags);
}
Cdb write_16(std::uint64_t lba, std::uint32_t blocks, RwFlags flags) noexcept {
  return rw_16(Opcode::write_16, lba, blocks, flags);
}

Cdb compare_and_write(std::uint64_t lba, std::uint8_t blocks, RwFlags flags) noexcept {
  // Same layout as the 16-byte READ/WRITE except the 1-byte NUMBER OF LOGICAL BLOCKS.
  Cdb c = rw_16(Opcode::compare_and_write, lba, 0, flags);
  set(c, 13, blocks);
  return c;
}

Cdb write_same_16(std::uint64_t lba, std::uint32_t blocks, WriteSameFlags flags) noexcept {
  Cdb c = start(Opcode::write_same_16);
  set(c, 1, static_cast<std::uint8_t>(((flags.protect & 0x07) << 5) | (flags.anchor ? 0x10 : 0) |
                                      (flags.unmap ? 0x08 : 0) | (flags.ndob ? 0x01 : 0)));
  store_be64(c.bytes.data() + 2, lba);
  store_be32(c.bytes.data() + 10, blocks);
  set(c, 14, flags.group & 0x1f);
  return c;
}

Cdb synchronize_cache_10(std::uint32_t lba, std::uint16_t blocks, bool immed) noexcept {
  Cdb c = start(Opcode::synchronize_cache_10);
  set(c, 1, immed ? 0x02 : 0);
  store_be32(c.bytes.data() + 2, lba);
  store_be16(c.bytes.data() + 7, blocks);
  return c;
}

Cdb synchronize_cache_16(std::uint64_t lba, std::uint32_t blocks, bool immed) noexcept {
  Cdb c = start(Opcode::synchronize_cache_16);
  set(c, 1, immed ? 0x02 : 0);
  store_be64(c.bytes.data() + 2, lba);
  store_be32(c.bytes.data() + 10, blocks);
  return c;
}

Cdb unmap(std::uint16_t parameter_list_length, bool anchor) noexcept {
  Cdb c = start(Opcode::unmap);
  set(c, 1, anchor ? 0x01 : 0);
  store_be16(c.bytes.data() + 7, parameter_list_length);
  return c;
}

}  // namespace uiscsi::iscsi::scsi::cdb
