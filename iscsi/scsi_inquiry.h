// INQUIRY parameter data (SPC-4 6.6.2, 7.8): the standard data, the VPD page framing, the
// Supported VPD Pages page (00h) and the Block Limits page (B0h, SBC-3 6.5.3). The target
// encodes them; the initiator parses them.
//
// Encoders return buffers the caller owns. Parsers copy into the output (except
// parse_vpd_page(), which returns a view into the caller's data) and fail with data_errc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <system_error>
#include <vector>

namespace uiscsi::iscsi::scsi {

inline constexpr std::uint8_t kDeviceTypeDisk = 0x00;  // direct access block device
inline constexpr std::uint8_t kVersionSpc4 = 0x06;

struct StandardInquiry {
  std::uint8_t peripheral_qualifier = 0;  // 0 connected, 1 not connected, 3 no LU at this LUN
  std::uint8_t device_type = kDeviceTypeDisk;
  bool rmb = false;
  std::uint8_t version = kVersionSpc4;
  bool normaca = false;
  bool hisup = true;
  std::uint8_t response_data_format = 2;
  bool sccs = false;
  bool acc = false;
  std::uint8_t tpgs = 0;  // 2 bits: ALUA support
  bool third_party_copy = false;
  bool protect = false;
  bool encserv = false;
  bool multip = false;
  bool cmdque = true;
  // ASCII, left-aligned and space-padded to 8/16/4 bytes on the wire (longer strings are
  // cut); parsing strips the trailing padding.
  std::string vendor_id;
  std::string product_id;
  std::string revision;
  // Up to 8 version descriptors (bytes 58-73), e.g. 0x0960 iSCSI, 0x0460 SPC-4.
  std::vector<std::uint16_t> version_descriptors;
  friend bool operator==(const StandardInquiry&, const StandardInquiry&) = default;
};

// 36 bytes, or 74 with version descriptors (descriptors past the 8th are dropped).
std::vector<std::byte> encode_standard_inquiry(const StandardInquiry& inquiry);
// Needs the first 36 bytes. Version descriptors are read as far as the data and its
// ADDITIONAL LENGTH reach; zero entries are unused slots and skipped.
std::error_code parse_standard_inquiry(std::span<const std::byte> data, StandardInquiry& out);

// A VPD page: the 4-byte header (SPC-4 7.8.1) followed by the page contents.
std::vector<std::byte> encode_vpd_page(std::uint8_t page_code, std::span<const std::byte> contents,
                                       std::uint8_t device_type = kDeviceTypeDisk);
// Checks the page code and returns the contents as a view into `data`, cut to what was
// transferred if the PAGE LENGTH claims more. unexpected_format for another page code.
std::error_code parse_vpd_page(std::span<const std::byte> data, std::uint8_t expected_page_code,
                               std::span<const std::byte>& contents);

inline constexpr std::uint8_t kVpdSupportedPages = 0x00;
inline constexpr std::uint8_t kVpdUnitSerialNumber = 0x80;
inline constexpr std::uint8_t kVpdDeviceIdentification = 0x83;
inline constexpr std::uint8_t kVpdBlockLimits = 0xb0;
inline constexpr std::uint8_t kVpdBlockDeviceCharacteristics = 0xb1;
inline constexpr std::uint8_t kVpdLogicalBlockProvisioning = 0xb2;

std::vector<std::byte> encode_supported_vpd_pages(std::span<const std::uint8_t> pages);
std::error_code parse_supported_vpd_pages(std::span<const std::byte> data, std::vector<std::uint8_t>& out);

// Block Limits VPD page (SBC-3 6.5.3). Lengths are in logical blocks; 0 means "no limit
// reported".
struct BlockLimits {
  bool wsnz = false;  // WRITE SAME with NUMBER OF LOGICAL BLOCKS 0 is refused
  std::uint8_t max_compare_and_write_length = 0;
  std::uint16_t optimal_transfer_length_granularity = 0;
  std::uint32_t max_transfer_length = 0;
  std::uint32_t optimal_transfer_length = 0;
  std::uint32_t max_prefetch_length = 0;
  std::uint32_t max_unmap_lba_count = 0;
  std::uint32_t max_unmap_block_descriptor_count = 0;
  std::uint32_t optimal_unmap_granularity = 0;
  bool ugavalid = false;
  std::uint32_t unmap_granularity_alignment = 0;  // 31 bits
  std::uint64_t max_write_same_length = 0;
  friend bool operator==(const BlockLimits&, const BlockLimits&) = default;
};

// The whole 64-byte page (PAGE LENGTH 3Ch).
std::vector<std::byte> encode_block_limits(const BlockLimits& limits);
// Older targets send a shorter page (SBC-2: PAGE LENGTH 0Ch); fields past its end are 0.
std::error_code parse_block_limits(std::span<const std::byte> data, BlockLimits& out);

}  // namespace uiscsi::iscsi::scsi
