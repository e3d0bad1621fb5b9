#include "iscsi/scsi_unmap.h"

#include <algorithm>

#include "iscsi/detail/scsi_fields.h"

namespace uiscsi::iscsi::scsi {

using namespace detail;

namespace {
constexpr std::size_t kHeader = 8;
constexpr std::size_t kDescriptor = 16;
}  // namespace

std::error_code encode_unmap_list(std::span<const UnmapDescriptor> descriptors, std::vector<std::byte>& out) {
  if (descriptors.size() > kMaxUnmapDescriptors) return std::make_error_code(std::errc::value_too_large);
  const std::size_t descriptor_bytes = descriptors.size() * kDescriptor;
  std::vector<std::byte> list(kHeader + descriptor_bytes);
  // UNMAP DATA LENGTH counts the bytes after itself; the block descriptor length those
  // after the 8-byte header.
  store_be16(list.data(), static_cast<std::uint16_t>(list.size() - 2));
  store_be16(list.data() + 2, static_cast<std::uint16_t>(descriptor_bytes));
  std::byte* p = list.data() + kHeader;
  for (const UnmapDescriptor& d : descriptors) {
    store_be64(p, d.lba);
    store_be32(p + 8, d.blocks);
    p += kDescriptor;
  }
  out = std::move(list);
  return {};
}

std::error_code parse_unmap_list(std::span<const std::byte> list, std::vector<UnmapDescriptor>& out) {
  std::vector<UnmapDescriptor> parsed;
  if (list.empty()) {
    out = std::move(parsed);
    return {};
  }
  if (list.size() < kHeader) return parameter_list_length_error();
  const std::size_t descriptor_bytes = std::min<std::size_t>(load_be16(list.data() + 2), list.size() - kHeader);
  const std::size_t count = descriptor_bytes / kDescriptor;
  parsed.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::byte* p = list.data() + kHeader + i * kDescriptor;
    parsed.push_back({load_be64(p), load_be32(p + 8)});
  }
  out = std::move(parsed);
  return {};
}

}  // namespace uiscsi::iscsi::scsi
