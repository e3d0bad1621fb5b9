#include "iscsi/scsi_inquiry.h"

#include <algorithm>

#include "iscsi/detail/scsi_fields.h"
#include "iscsi/scsi_data_error.h"

namespace uiscsi::iscsi::scsi {

using namespace detail;

namespace {

constexpr std::size_t kStandardLength = 36;
constexpr std::size_t kVersionDescriptorsAt = 58;
constexpr std::size_t kMaxVersionDescriptors = 8;
constexpr std::size_t kVpdHeader = 4;
constexpr std::size_t kBlockLimitsLength = 64;

void put_ascii(std::byte* p, std::size_t width, const std::string& text) {
  for (std::size_t i = 0; i < width; ++i) {
    p[i] = static_cast<std::byte>(i < text.size() ? text[i] : ' ');
  }
}

std::string get_ascii(const std::byte* p, std::size_t width) {
  std::string text(reinterpret_cast<const char*>(p), width);
  // SPC-4 4.4.1: unused bytes are spaces; some targets pad with NULs instead.
  text.erase(text.find_last_not_of(std::string_view{" \0", 2}) + 1);
  return text;
}

// Reads a big-endian field of `width` bytes at `at` if the page holds it, else leaves 0.
template <typename T>
void field_if_present(std::span<const std::byte> page, std::size_t at, T& value) {
  if (at + sizeof(T) > page.size()) return;
  if constexpr (sizeof(T) == 2) value = load_be16(page.data() + at);
  if constexpr (sizeof(T) == 4) value = load_be32(page.data() + at);
  if constexpr (sizeof(T) == 8) value = load_be64(page.data() + at);
}

}  // namespace

std::vector<std::byte> encode_standard_inquiry(const StandardInquiry& q) {
  const std::size_t descriptors = std::min(q.version_descriptors.size(), kMaxVersionDescriptors);
  std::vector<std::byte> out(descriptors ? kVersionDescriptorsAt + 2 * kMaxVersionDescriptors : kStandardLength);
  std::byte* p = out.data();
  store_u8(p, static_cast<std::uint8_t>(((q.peripheral_qualifier & 0x07) << 5) | (q.device_type & 0x1f)));
  store_u8(p + 1, q.rmb ? 0x80 : 0);
  store_u8(p + 2, q.version);
  store_u8(p + 3, static_cast<std::uint8_t>((q.normaca ? 0x20 : 0) | (q.hisup ? 0x10 : 0) |
                                           (q.response_data_format & 0x0f)));
  store_u8(p + 4, static_cast<std::uint8_t>(out.size() - 5));  // ADDITIONAL LENGTH: n - 4
  store_u8(p + 5, static_cast<std::uint8_t>((q.sccs ? 0x80 : 0) | (q.acc ? 0x40 : 0) | ((q.tpgs & 0x03) << 4) |
                                           (q.third_party_copy ? 0x08 : 0) | (q.protect ? 0x01 : 0)));
  store_u8(p + 6, static_cast<std::uint8_t>((q.encserv ? 0x40 : 0) | (q.multip ? 0x10 : 0)));
  store_u8(p + 7, q.cmdque ? 0x02 : 0);
  put_ascii(p + 8, 8, q.vendor_id);
  put_ascii(p + 16, 16, q.product_id);
  put_ascii(p + 32, 4, q.revision);
  for (std::size_t i = 0; i < descriptors; ++i) {
    store_be16(p + kVersionDescriptorsAt + 2 * i, q.version_descriptors[i]);
  }
  return out;
}

std::error_code parse_standard_inquiry(std::span<const std::byte> data, StandardInquiry& out) {
  if (data.size() < kStandardLength) return data_errc::truncated;
  const std::byte* p = data.data();
  StandardInquiry q;
  q.peripheral_qualifier = byte_at(data, 0) >> 5;
  q.device_type = byte_at(data, 0) & 0x1f;
  q.rmb = bit_at(data, 1, 0x80);
  q.version = byte_at(data, 2);
  q.normaca = bit_at(data, 3, 0x20);
  q.hisup = bit_at(data, 3, 0x10);
  q.response_data_format = byte_at(data, 3) & 0x0f;
  q.sccs = bit_at(data, 5, 0x80);
  q.acc = bit_at(data, 5, 0x40);
  q.tpgs = (byte_at(data, 5) >> 4) & 0x03;
  q.third_party_copy = bit_at(data, 5, 0x08);
  q.protect = bit_at(data, 5, 0x01);
  q.encserv = bit_at(data, 6, 0x40);
  q.multip = bit_at(data, 6, 0x10);
  q.cmdque = bit_at(data, 7, 0x02);
  q.vendor_id = get_ascii(p + 8, 8);
  q.product_id = get_ascii(p + 16, 16);
  q.revision = get_ascii(p + 32, 4);
  const std::size_t end = std::min(data.size(), 5 + std::size_t{byte_at(data, 4)});
  for (std::size_t i = 0; i < kMaxVersionDescriptors; ++i) {
    const std::size_t at = kVersionDescriptorsAt + 2 * i;
    if (at + 2 > end) break;
    if (const std::uint16_t d = load_be16(p + at); d != 0) q.version_descriptors.push_back(d);
  }
  out = std::move(q);
  return {};
}

std::vector<std::byte> encode_vpd_page(std::uint8_t page_code, std::span<const std::byte> contents,
                                       std::uint8_t device_type) {
  const std::size_t length = std::min<std::size_t>(contents.size(), 0xffff);
  std::vector<std::byte> out(kVpdHeader + length);
  store_u8(out.data(), device_type & 0x1f);
  store_u8(out.data() + 1, page_code);
  store_be16(out.data() + 2, static_cast<std::uint16_t>(length));
  std::copy_n(contents.begin(), length, out.begin() + kVpdHeader);
  return out;
}

std::error_code parse_vpd_page(std::span<const std::byte> data, std::uint8_t expected_page_code,
                               std::span<const std::byte>& contents) {
  if (data.size() < kVpdHeader) return data_errc::truncated;
  if (byte_at(data, 1) != expected_page_code) return data_errc::unexpected_format;
  const std::size_t length = std::min<std::size_t>(load_be16(data.data() + 2), data.size() - kVpdHeader);
  contents = data.subspan(kVpdHeader, length);
  return {};
}

std::vector<std::byte> encode_supported_vpd_pages(std::span<const std::uint8_t> pages) {
  std::vector<std::byte> contents(pages.size());
  std::transform(pages.begin(), pages.end(), contents.begin(), [](std::uint8_t v) { return std::byte{v}; });
  return encode_vpd_page(kVpdSupportedPages, contents);
}

std::error_code parse_supported_vpd_pages(std::span<const std::byte> data, std::vector<std::uint8_t>& out) {
  std::span<const std::byte> contents;
  if (auto ec = parse_vpd_page(data, kVpdSupportedPages, contents)) return ec;
  std::vector<std::uint8_t> pages(contents.size());
  std::transform(contents.begin(), contents.end(), pages.begin(),
                 [](std::byte b) { return std::to_integer<std::uint8_t>(b); });
  out = std::move(pages);
  return {};
}

std::vector<std::byte> encode_block_limits(const BlockLimits& l) {
  std::vector<std::byte> page(kBlockLimitsLength);
  std::byte* p = page.data();  // offsets as in SBC-3 6.5.3, header included
  store_u8(p, kDeviceTypeDisk);
  store_u8(p + 1, kVpdBlockLimits);
  store_be16(p + 2, kBlockLimitsLength - kVpdHeader);
  store_u8(p + 4, l.wsnz ? 0x01 : 0);
  store_u8(p + 5, l.max_compare_and_write_length);
  store_be16(p + 6, l.optimal_transfer_length_granularity);
  store_be32(p + 8, l.max_transfer_length);
  store_be32(p + 12, l.optimal_transfer_length);
  store_be32(p + 16, l.max_prefetch_length);
  store_be32(p + 20, l.max_unmap_lba_count);
  store_be32(p + 24, l.max_unmap_block_descriptor_count);
  store_be32(p + 28, l.optimal_unmap_granularity);
  store_be32(p + 32, (l.ugavalid ? 0x80000000u : 0) | (l.unmap_granularity_alignment & 0x7fffffffu));
  store_be64(p + 36, l.max_write_same_length);
  return page;
}

std::error_code parse_block_limits(std::span<const std::byte> data, BlockLimits& out) {
  std::span<const std::byte> contents;
  if (auto ec = parse_vpd_page(data, kVpdBlockLimits, contents)) return ec;
  // Address fields by their page offsets (header included), bounded by the contents.
  const std::span<const std::byte> page = data.first(kVpdHeader + contents.size());
  BlockLimits l;
  if (page.size() > 4) l.wsnz = bit_at(page, 4, 0x01);
  if (page.size() > 5) l.max_compare_and_write_length = byte_at(page, 5);
  field_if_present(page, 6, l.optimal_transfer_length_granularity);
  field_if_present(page, 8, l.max_transfer_length);
  field_if_present(page, 12, l.optimal_transfer_length);
  field_if_present(page, 16, l.max_prefetch_length);
  field_if_present(page, 20, l.max_unmap_lba_count);
  field_if_present(page, 24, l.max_unmap_block_descriptor_count);
  field_if_present(page, 28, l.optimal_unmap_granularity);
  std::uint32_t alignment = 0;
  field_if_present(page, 32, alignment);
  l.ugavalid = (alignment & 0x80000000u) != 0;
  l.unmap_granularity_alignment = alignment & 0x7fffffffu;
  field_if_present(page, 36, l.max_write_same_length);
  out = l;
  return {};
}

}  // namespace uiscsi::iscsi::scsi
