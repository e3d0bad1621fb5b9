// The on-disk superblock every RAID member carries, and the metadata area around it.
//
// Member layout (byte offsets):
//   [0, 4096)                the superblock below (padded to one block when blocks are
//                            larger than 4 KiB)
//   [unit, kMetadataBytes)   the write-intent bitmap (unit = max(4096, block size)),
//                            one bit per region, bit i of byte i/8 (LSB first)
//   [kMetadataBytes, ...)    data rows
//
// Superblock fields (little-endian):
//    0 u32 magic "UIRD"          4 u32 version (1)
//    8 16B volume UUID          24 16B device UUID (this member)
//   40 u32 level                44 u32 raid devices (slots)
//   48 u32 block size           52 u32 chunk size in blocks
//   56 u64 data offset (blocks) 64 u64 rows per member
//   72 u64 event count          80 u32 flags (bit 0: clean)
//   84 u32 this device's number (its index in the device table)
//   88 u64 bitmap region in rows 96 u64 bitmap bits
//  104 u64 creation time        112 u64 update time (seconds since the epoch)
//  120 u32 device table entries 124 u32 reserved
//  128 device table: kMaxDevices entries of 32 bytes:
//        0 16B device UUID  16 u16 role (slot, or 0xffff: none)  18 u8 state
//       19 u8 reserved      20 u32 reserved  24 u64 rows rebuilt (while rebuilding)
// 4092 u32 CRC32C of bytes [0, 4092)
//
// Every state change writes the superblocks of all members that are not faulty, with the
// event count incremented; a member with a lower count missed a change and is stale.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>
#include <vector>

#include "target/backend/raid/layout.h"
#include "target/backend/raid/uuid.h"

namespace uiscsi::target::raid {

inline constexpr std::uint32_t kSuperblockMagic = 0x44524955;  // "UIRD" read as little-endian
inline constexpr std::uint32_t kSuperblockVersion = 1;
inline constexpr std::size_t kSuperblockBytes = 4096;
// Reserved at the start of every member for the superblock and the bitmap.
inline constexpr std::uint64_t kMetadataBytes = 1024 * 1024;
// Device table entries (slots, spares and faulty members that are still listed).
inline constexpr std::uint32_t kMaxDevices = 64;
inline constexpr std::uint16_t kNoRole = 0xffff;

enum class DeviceState : std::uint8_t {
  empty = 0,       // unused table entry (a removed member)
  in_sync = 1,     // holds its slot's data
  rebuilding = 2,  // holds its slot's data below `rebuilt_rows` only
  faulty = 3,      // failed or missing; keeps its slot number for reporting
  spare = 4,       // waits for a slot
};

struct DeviceEntry {
  Uuid uuid;
  std::uint16_t role = kNoRole;
  DeviceState state = DeviceState::empty;
  std::uint64_t rebuilt_rows = 0;

  friend bool operator==(const DeviceEntry&, const DeviceEntry&) = default;
};

struct Superblock {
  Uuid volume_uuid;
  Uuid device_uuid;
  Level level = Level::raid0;
  std::uint32_t raid_devices = 0;
  std::uint32_t block_size = 512;
  std::uint32_t chunk_blocks = 0;
  std::uint64_t data_offset_blocks = 0;
  std::uint64_t rows = 0;
  std::uint64_t events = 0;
  bool clean = true;
  std::uint32_t this_device = 0;
  std::uint64_t bitmap_region_rows = 0;
  std::uint64_t bitmap_bits = 0;
  std::uint64_t ctime = 0;
  std::uint64_t utime = 0;
  std::vector<DeviceEntry> devices;  // at most kMaxDevices

  friend bool operator==(const Superblock&, const Superblock&) = default;
};

// The size of the superblock unit and of one bitmap page: max(4096, block_size).
std::size_t metadata_unit_bytes(std::uint32_t block_size) noexcept;
// How many bitmap bits fit in the metadata area.
std::uint64_t max_bitmap_bits(std::uint32_t block_size) noexcept;

// Precondition: sb.devices.size() <= kMaxDevices.
std::array<std::byte, kSuperblockBytes> encode(const Superblock& sb) noexcept;

// Decodes and validates. Errors: raid_errc::not_a_member (bad magic),
// unsupported_version, bad_superblock (checksum, or fields that are out of range or
// contradict each other). `in` holds at least kSuperblockBytes.
std::error_code decode(std::span<const std::byte> in, Superblock& out);

}  // namespace uiscsi::target::raid
