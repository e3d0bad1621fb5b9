#include "target/backend/raid/superblock.h"

#include <algorithm>

#include "crc/crc32c.h"
#include "target/backend/detail/range_check.h"
#include "target/backend/raid/raid_error.h"

namespace uiscsi::target::raid {
namespace {

constexpr std::size_t kDeviceTableOffset = 128;
constexpr std::size_t kDeviceEntryBytes = 32;
constexpr std::size_t kCrcOffset = kSuperblockBytes - 4;
static_assert(kDeviceTableOffset + kMaxDevices * kDeviceEntryBytes <= kCrcOffset);

template <typename T>
void put(std::span<std::byte> out, std::size_t at, T v) noexcept {
  for (std::size_t i = 0; i < sizeof(T); ++i) out[at + i] = static_cast<std::byte>(v >> (8 * i));
}

template <typename T>
T get(std::span<const std::byte> in, std::size_t at) noexcept {
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(std::to_integer<T>(in[at + i]) << (8 * i));
  return v;
}

void put_uuid(std::span<std::byte> out, std::size_t at, const Uuid& u) noexcept {
  std::copy(u.bytes.begin(), u.bytes.end(), out.begin() + static_cast<std::ptrdiff_t>(at));
}

Uuid get_uuid(std::span<const std::byte> in, std::size_t at) noexcept {
  Uuid u;
  std::copy_n(in.begin() + static_cast<std::ptrdiff_t>(at), u.bytes.size(), u.bytes.begin());
  return u;
}

bool valid_state(std::uint8_t s) noexcept { return s <= static_cast<std::uint8_t>(DeviceState::spare); }

// Fields that must hold together before anything uses them to address a member.
bool consistent(const Superblock& sb) noexcept {
  if (Layout::validate(sb.level, sb.raid_devices, sb.chunk_blocks)) return false;
  if (!detail::valid_block_size(sb.block_size)) return false;
  if (sb.data_offset_blocks * sb.block_size != kMetadataBytes) return false;
  if (sb.rows == 0 || sb.this_device >= sb.devices.size()) return false;
  if (sb.level == Level::raid0) {
    if (sb.bitmap_bits != 0) return false;
  } else {
    if (sb.bitmap_region_rows == 0 || sb.bitmap_bits > max_bitmap_bits(sb.block_size)) return false;
    if (sb.bitmap_bits != (sb.rows + sb.bitmap_region_rows - 1) / sb.bitmap_region_rows) return false;
  }
  if (sb.devices[sb.this_device].uuid != sb.device_uuid) return false;
  for (const auto& d : sb.devices) {
    const bool has_slot = d.state == DeviceState::in_sync || d.state == DeviceState::rebuilding;
    if (has_slot && d.role >= sb.raid_devices) return false;
    if (d.state == DeviceState::faulty && d.role != kNoRole && d.role >= sb.raid_devices) return false;
    if (d.rebuilt_rows > sb.rows) return false;
  }
  return true;
}

}  // namespace

std::size_t metadata_unit_bytes(std::uint32_t block_size) noexcept {
  return std::max<std::size_t>(kSuperblockBytes, block_size);
}

std::uint64_t max_bitmap_bits(std::uint32_t block_size) noexcept {
  return (kMetadataBytes - metadata_unit_bytes(block_size)) * 8;
}

std::array<std::byte, kSuperblockBytes> encode(const Superblock& sb) noexcept {
  std::array<std::byte, kSuperblockBytes> buf{};
  std::span<std::byte> out(buf);
  put<std::uint32_t>(out, 0, kSuperblockMagic);
  put<std::uint32_t>(out, 4, kSuperblockVersion);
  put_uuid(out, 8, sb.volume_uuid);
  put_uuid(out, 24, sb.device_uuid);
  put<std::uint32_t>(out, 40, static_cast<std::uint32_t>(sb.level));
  put<std::uint32_t>(out, 44, sb.raid_devices);
  put<std::uint32_t>(out, 48, sb.block_size);
  put<std::uint32_t>(out, 52, sb.chunk_blocks);
  put<std::uint64_t>(out, 56, sb.data_offset_blocks);
  put<std::uint64_t>(out, 64, sb.rows);
  put<std::uint64_t>(out, 72, sb.events);
  put<std::uint32_t>(out, 80, sb.clean ? 1u : 0u);
  put<std::uint32_t>(out, 84, sb.this_device);
  put<std::uint64_t>(out, 88, sb.bitmap_region_rows);
  put<std::uint64_t>(out, 96, sb.bitmap_bits);
  put<std::uint64_t>(out, 104, sb.ctime);
  put<std::uint64_t>(out, 112, sb.utime);
  put<std::uint32_t>(out, 120, static_cast<std::uint32_t>(sb.devices.size()));
  for (std::size_t i = 0; i < sb.devices.size(); ++i) {
    const std::size_t at = kDeviceTableOffset + i * kDeviceEntryBytes;
    const auto& d = sb.devices[i];
    put_uuid(out, at, d.uuid);
    put<std::uint16_t>(out, at + 16, d.role);
    put<std::uint8_t>(out, at + 18, static_cast<std::uint8_t>(d.state));
    put<std::uint64_t>(out, at + 24, d.rebuilt_rows);
  }
  put<std::uint32_t>(out, kCrcOffset, crc::crc32c(out.first(kCrcOffset)));
  return buf;
}

std::error_code decode(std::span<const std::byte> in, Superblock& out) {
  if (in.size() < kSuperblockBytes) return raid_errc::bad_superblock;
  in = in.first(kSuperblockBytes);
  if (get<std::uint32_t>(in, 0) != kSuperblockMagic) return raid_errc::not_a_member;
  if (get<std::uint32_t>(in, kCrcOffset) != crc::crc32c(in.first(kCrcOffset))) return raid_errc::bad_superblock;
  if (get<std::uint32_t>(in, 4) != kSuperblockVersion) return raid_errc::unsupported_version;

  Superblock sb;
  sb.volume_uuid = get_uuid(in, 8);
  sb.device_uuid = get_uuid(in, 24);
  const auto level = level_from_number(get<std::uint32_t>(in, 40));
  if (!level) return raid_errc::bad_superblock;
  sb.level = *level;
  sb.raid_devices = get<std::uint32_t>(in, 44);
  sb.block_size = get<std::uint32_t>(in, 48);
  sb.chunk_blocks = get<std::uint32_t>(in, 52);
  sb.data_offset_blocks = get<std::uint64_t>(in, 56);
  sb.rows = get<std::uint64_t>(in, 64);
  sb.events = get<std::uint64_t>(in, 72);
  const auto flags = get<std::uint32_t>(in, 80);
  if ((flags & ~1u) != 0) return raid_errc::bad_superblock;
  sb.clean = (flags & 1u) != 0;
  sb.this_device = get<std::uint32_t>(in, 84);
  sb.bitmap_region_rows = get<std::uint64_t>(in, 88);
  sb.bitmap_bits = get<std::uint64_t>(in, 96);
  sb.ctime = get<std::uint64_t>(in, 104);
  sb.utime = get<std::uint64_t>(in, 112);
  const auto entries = get<std::uint32_t>(in, 120);
  if (entries == 0 || entries > kMaxDevices) return raid_errc::bad_superblock;
  sb.devices.resize(entries);
  for (std::size_t i = 0; i < entries; ++i) {
    const std::size_t at = kDeviceTableOffset + i * kDeviceEntryBytes;
    auto& d = sb.devices[i];
    d.uuid = get_uuid(in, at);
    d.role = get<std::uint16_t>(in, at + 16);
    const auto state = get<std::uint8_t>(in, at + 18);
    if (!valid_state(state)) return raid_errc::bad_superblock;
    d.state = static_cast<DeviceState>(state);
    d.rebuilt_rows = get<std::uint64_t>(in, at + 24);
  }
  if (!consistent(sb)) return raid_errc::bad_superblock;
  out = std::move(sb);
  return {};
}

}  // namespace uiscsi::target::raid
