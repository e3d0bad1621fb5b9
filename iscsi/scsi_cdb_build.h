// CDB builders for what the initiator sends. Each returns a Cdb by value: the caller owns it,
// and Cdb::bytes is laid out to be copied straight into the 16-byte CDB field of the SCSI
// Command BHS (RFC 7143 11.3.5), zero-padded past `length`.
//
// Parameter types match the field widths, so every builder is total: nothing to validate,
// no error path. Each CDB decodes back with the matching decoder in iscsi/scsi_cdb.h.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace uiscsi::iscsi::scsi {

struct Cdb {
  std::array<std::byte, 16> bytes{};
  std::uint8_t length = 0;

  std::span<const std::byte> view() const noexcept { return {bytes.data(), length}; }
};

namespace cdb {

// Byte 1 / group fields of READ, WRITE and COMPARE AND WRITE (SBC-3).
struct RwFlags {
  bool fua = false;
  bool dpo = false;
  std::uint8_t protect = 0;  // RDPROTECT / WRPROTECT, 3 bits
  std::uint8_t group = 0;    // GROUP NUMBER, 5 bits
};

struct WriteSameFlags {
  bool unmap = false;
  bool anchor = false;
  bool ndob = false;  // no Data-Out buffer: write zeroes without sending a block
  std::uint8_t protect = 0;
  std::uint8_t group = 0;
};

Cdb test_unit_ready() noexcept;
Cdb request_sense(std::uint8_t allocation_length, bool descriptor_format = false) noexcept;
Cdb inquiry(std::uint16_t allocation_length) noexcept;
Cdb inquiry_vpd(std::uint8_t page_code, std::uint16_t allocation_length) noexcept;
// page_control: 0 current, 1 changeable, 2 default, 3 saved values.
Cdb mode_sense_6(std::uint8_t page_code, std::uint8_t subpage_code, std::uint8_t allocation_length,
                 bool dbd = false, std::uint8_t page_control = 0) noexcept;
Cdb mode_sense_10(std::uint8_t page_code, std::uint8_t subpage_code, std::uint16_t allocation_length,
                  bool dbd = false, bool llbaa = false, std::uint8_t page_control = 0) noexcept;
Cdb read_capacity_10() noexcept;
Cdb read_capacity_16(std::uint32_t allocation_length = 32) noexcept;
Cdb get_lba_status(std::uint64_t lba, std::uint32_t allocation_length) noexcept;
Cdb report_luns(std::uint32_t allocation_length, std::uint8_t select_report = 0) noexcept;

Cdb read_10(std::uint32_t lba, std::uint16_t blocks, RwFlags flags = {}) noexcept;
Cdb write_10(std::uint32_t lba, std::uint16_t blocks, RwFlags flags = {}) noexcept;
Cdb read_16(std::uint64_t lba, std::uint32_t blocks, RwFlags flags = {}) noexcept;
Cdb write_16(std::uint64_t lba, std::uint32_t blocks, RwFlags flags = {}) noexcept;
// Data-Out is 2 * blocks: the compare data, then the write data (SBC-3 5.2).
Cdb compare_and_write(std::uint64_t lba, std::uint8_t blocks, RwFlags flags = {}) noexcept;
Cdb write_same_16(std::uint64_t lba, std::uint32_t blocks, WriteSameFlags flags = {}) noexcept;

// lba = 0 and blocks = 0 flush the whole medium.
Cdb synchronize_cache_10(std::uint32_t lba = 0, std::uint16_t blocks = 0, bool immed = false) noexcept;
Cdb synchronize_cache_16(std::uint64_t lba = 0, std::uint32_t blocks = 0, bool immed = false) noexcept;
// parameter_list_length: the size of the list from iscsi/scsi_unmap.h encode_unmap_list().
Cdb unmap(std::uint16_t parameter_list_length, bool anchor = false) noexcept;

}  // namespace cdb
}  // namespace uiscsi::iscsi::scsi
