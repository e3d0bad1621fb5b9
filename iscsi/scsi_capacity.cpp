#include "iscsi/scsi_capacity.h"

#include <algorithm>

#include "iscsi/detail/scsi_fields.h"
#include "iscsi/scsi_data_error.h"

namespace uiscsi::iscsi::scsi {

using namespace detail;

std::array<std::byte, kReadCapacity10Length> encode_read_capacity_10(const ReadCapacity10Data& data) noexcept {
  std::array<std::byte, kReadCapacity10Length> out{};
  store_be32(out.data(), data.returned_lba);
  store_be32(out.data() + 4, data.block_length);
  return out;
}

std::error_code parse_read_capacity_10(std::span<const std::byte> data, ReadCapacity10Data& out) noexcept {
  if (data.size() < kReadCapacity10Length) return data_errc::truncated;
  out = {load_be32(data.data()), load_be32(data.data() + 4)};
  return {};
}

std::array<std::byte, kReadCapacity16Length> encode_read_capacity_16(const ReadCapacity16Data& data) noexcept {
  std::array<std::byte, kReadCapacity16Length> out{};
  std::byte* p = out.data();
  store_be64(p, data.returned_lba);
  store_be32(p + 8, data.block_length);
  store_u8(p + 12, static_cast<std::uint8_t>(((data.p_type & 0x07) << 1) | (data.prot_en ? 0x01 : 0)));
  store_u8(p + 13, static_cast<std::uint8_t>(((data.p_i_exponent & 0x0f) << 4) | (data.lbppbe & 0x0f)));
  store_be16(p + 14, static_cast<std::uint16_t>((data.lbpme ? 0x8000 : 0) | (data.lbprz ? 0x4000 : 0) |
                                                (data.lowest_aligned_lba & 0x3fff)));
  return out;
}

std::error_code parse_read_capacity_16(std::span<const std::byte> data, ReadCapacity16Data& out) noexcept {
  if (data.size() < 16) return data_errc::truncated;
  ReadCapacity16Data v;
  v.returned_lba = load_be64(data.data());
  v.block_length = load_be32(data.data() + 8);
  v.p_type = (byte_at(data, 12) >> 1) & 0x07;
  v.prot_en = bit_at(data, 12, 0x01);
  v.p_i_exponent = byte_at(data, 13) >> 4;
  v.lbppbe = byte_at(data, 13) & 0x0f;
  const std::uint16_t b14 = load_be16(data.data() + 14);
  v.lbpme = (b14 & 0x8000) != 0;
  v.lbprz = (b14 & 0x4000) != 0;
  v.lowest_aligned_lba = b14 & 0x3fff;
  out = v;
  return {};
}

namespace {
constexpr std::size_t kLbaStatusHeader = 8;
constexpr std::size_t kLbaStatusDescriptor = 16;
}  // namespace

std::vector<std::byte> encode_lba_status(std::span<const LbaStatusDescriptor> descriptors) {
  std::vector<std::byte> out(kLbaStatusHeader + descriptors.size() * kLbaStatusDescriptor);
  // PARAMETER DATA LENGTH counts the bytes after itself (n - 3).
  store_be32(out.data(), static_cast<std::uint32_t>(out.size() - 4));
  std::byte* p = out.data() + kLbaStatusHeader;
  for (const LbaStatusDescriptor& d : descriptors) {
    store_be64(p, d.lba);
    store_be32(p + 8, d.blocks);
    store_u8(p + 12, static_cast<std::uint8_t>(d.status) & 0x0f);
    p += kLbaStatusDescriptor;
  }
  return out;
}

std::error_code parse_lba_status(std::span<const std::byte> data, std::vector<LbaStatusDescriptor>& out) {
  if (data.size() < kLbaStatusHeader) return data_errc::truncated;
  const std::uint64_t claimed = std::uint64_t{load_be32(data.data())} + 4;
  if (claimed < kLbaStatusHeader) return data_errc::bad_length;
  const std::size_t end = static_cast<std::size_t>(std::min<std::uint64_t>(claimed, data.size()));
  std::vector<LbaStatusDescriptor> parsed;
  parsed.reserve((end - kLbaStatusHeader) / kLbaStatusDescriptor);
  for (std::size_t at = kLbaStatusHeader; at + kLbaStatusDescriptor <= end; at += kLbaStatusDescriptor) {
    const std::byte* p = data.data() + at;
    parsed.push_back({load_be64(p), load_be32(p + 8), static_cast<ProvisioningStatus>(load_u8(p + 12) & 0x0f)});
  }
  out = std::move(parsed);
  return {};
}

}  // namespace uiscsi::iscsi::scsi
