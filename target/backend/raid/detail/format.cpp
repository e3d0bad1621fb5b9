// Creating a volume: fresh superblocks, bitmaps and (by default) zeroed data areas.
#include <algorithm>
#include <chrono>
#include <cstring>

#include "target/backend/raid/detail/aligned_buffer.h"
#include "target/backend/raid/detail/assembly.h"
#include "target/backend/raid/raid_error.h"

namespace uiscsi::target::raid::detail {
namespace {

std::uint64_t now_seconds() noexcept {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

// Writes `bytes` (whole blocks) at `lba` of every member, with FUA.
std::error_code write_all(std::vector<MemberDevice>& members, std::uint64_t lba, std::span<const std::byte> bytes) {
  for (auto& m : members) {
    if (auto ec = m.backend->write(lba, bytes, true)) return ec;
  }
  return {};
}

}  // namespace

std::error_code format_members(std::vector<MemberDevice>& members, const CreateOptions& options) {
  const std::uint32_t n = options.raid_devices;
  if (members.size() < n || members.size() > kMaxDevices) return raid_errc::invalid_config;
  if (auto ec = Layout::validate(options.level, n, 1)) return ec;
  const std::uint32_t bs = members[0].backend->geometry().block_size;
  std::uint64_t min_blocks = UINT64_MAX;
  for (const auto& m : members) {
    if (m.backend->geometry().block_size != bs) return raid_errc::member_mismatch;
    min_blocks = std::min(min_blocks, m.backend->geometry().block_count);
  }
  if (options.chunk_bytes == 0 || options.chunk_bytes % bs != 0 || options.chunk_bytes / bs > UINT32_MAX)
    return raid_errc::invalid_config;
  VolumeConfig c;
  c.level = options.level;
  c.raid_devices = n;
  c.block_size = bs;
  c.chunk_blocks = static_cast<std::uint32_t>(options.chunk_bytes / bs);
  const std::uint64_t data_offset = kMetadataBytes / bs;
  if (min_blocks <= data_offset) return raid_errc::member_mismatch;
  c.rows = (min_blocks - data_offset) / c.chunk_blocks;
  if (c.rows == 0 || Layout(c.level, n, c.chunk_blocks, c.rows).capacity_blocks() == 0) return raid_errc::member_mismatch;
  if (c.level != Level::raid0) {
    c.bitmap_region_rows = std::max<std::uint64_t>(1, (options.bitmap_region_bytes + options.chunk_bytes - 1) / options.chunk_bytes);
    while ((c.rows + c.bitmap_region_rows - 1) / c.bitmap_region_rows > max_bitmap_bits(bs)) c.bitmap_region_rows *= 2;
    c.bitmap_bits = (c.rows + c.bitmap_region_rows - 1) / c.bitmap_region_rows;
  }
  std::error_code ec;
  c.uuid = Uuid::generate(ec);
  if (ec) return ec;
  c.ctime = now_seconds();
  c.events = 1;
  // Without zeroing, parity and copies agree nowhere yet: start dirty with every bit set
  // so the first assembly resyncs the whole volume.
  const bool initial_resync = c.level != Level::raid0 && !options.zero_members;
  c.clean = !initial_resync;

  Superblock sb;
  sb.volume_uuid = c.uuid;
  sb.level = c.level;
  sb.raid_devices = n;
  sb.block_size = bs;
  sb.chunk_blocks = c.chunk_blocks;
  sb.data_offset_blocks = data_offset;
  sb.rows = c.rows;
  sb.events = c.events;
  sb.clean = c.clean;
  sb.bitmap_region_rows = c.bitmap_region_rows;
  sb.bitmap_bits = c.bitmap_bits;
  sb.ctime = sb.utime = c.ctime;
  for (std::uint32_t i = 0; i < members.size(); ++i) {
    DeviceEntry e;
    e.uuid = Uuid::generate(ec);
    if (ec) return ec;
    e.role = i < n ? static_cast<std::uint16_t>(i) : kNoRole;
    e.state = i < n ? DeviceState::in_sync : DeviceState::spare;
    sb.devices.push_back(e);
  }

  if (c.level != Level::raid0 && options.zero_members) {
    // Deallocating keeps sparse files sparse (and RAM unallocated) where the member reads
    // deallocated blocks back as zeroes; other members get zeroes written.
    for (auto& m : members) {
      const Features f = m.backend->features();
      const std::uint64_t blocks = c.rows * c.chunk_blocks;
      if (f.unmap && f.unmap_reads_zeroes) ec = m.backend->unmap(data_offset, blocks);
      if (!f.unmap || !f.unmap_reads_zeroes || ec) ec = m.backend->write_zeroes(data_offset, blocks, false);
      if (ec) return ec;
    }
  }
  const std::size_t unit = metadata_unit_bytes(bs);
  if (c.bitmap_bits > 0) {
    const std::size_t bytes = ((c.bitmap_bits + 7) / 8 + unit - 1) / unit * unit;
    AlignedBuffer bitmap(bytes);
    if (!bitmap.ok()) return std::make_error_code(std::errc::not_enough_memory);
    std::memset(bitmap.data(), 0, bytes);
    if (initial_resync) {
      for (std::uint64_t b = 0; b < c.bitmap_bits; ++b) bitmap.data()[b / 8] |= static_cast<std::byte>(1u << (b % 8));
    }
    if ((ec = write_all(members, unit / bs, std::span(bitmap.data(), bytes)))) return ec;
  }
  AlignedBuffer block(unit);
  if (!block.ok()) return std::make_error_code(std::errc::not_enough_memory);
  for (std::uint32_t i = 0; i < members.size(); ++i) {
    sb.device_uuid = sb.devices[i].uuid;
    sb.this_device = i;
    const auto bytes = encode(sb);
    std::memset(block.data(), 0, unit);
    std::memcpy(block.data(), bytes.data(), bytes.size());
    if ((ec = members[i].backend->write(0, std::span(block.data(), unit), true))) return ec;
    if ((ec = members[i].backend->flush())) return ec;
  }
  return {};
}

}  // namespace uiscsi::target::raid::detail
