// Where the blocks of a RAID volume live on its members.
//
// Every member holds `rows` rows of one chunk each after its metadata area. A logical chunk
// (`chunk_blocks` logical blocks) maps to one chunk of one member, per level:
//
//  - RAID 0: row r holds logical chunks r*n .. r*n+n-1 on disks 0 .. n-1.
//  - RAID 1: every disk holds logical chunk r in row r.
//  - RAID 5: left-symmetric, md's default: in row r the parity P sits on disk
//    n-1 - (r mod n) and the data chunks follow it, wrapping around, so consecutive chunks
//    rotate over all disks and parity is spread evenly.
//  - RAID 6: like RAID 5 with Q right after P (md's left-symmetric RAID 6): P on disk
//    n-1 - (r mod n), Q on the next disk, data after Q.
//  - RAID 10: md's "near 2" layout: the two copies of logical chunk c are slots 2c and
//    2c+1 of the sequence that walks the disks row by row (disk = slot mod n, row =
//    slot / n); with an odd member count a chunk's copies may sit in adjacent rows.
//
// Within a parity row the units are numbered 0 .. d-1 for the data chunks in logical order,
// d for P and d+1 for Q; Q = sum over i of g^i * D_i with g = 2 in GF(2^8), which is what
// ISA-L's pq_gen computes.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>

namespace uiscsi::target::raid {

enum class Level : std::uint8_t { raid0 = 0, raid1 = 1, raid5 = 5, raid6 = 6, raid10 = 10 };

// "0", "1", "5", "6", "10", optionally prefixed "raid"; nullopt for anything else.
std::optional<Level> parse_level(std::string_view text) noexcept;
// The numeric level of a superblock; nullopt for a level this build does not know.
std::optional<Level> level_from_number(std::uint32_t number) noexcept;
// "raid0", "raid1", ...
std::string_view level_name(Level level) noexcept;

// Members that hold data (slots); the device table may list spares beyond these.
inline constexpr std::uint32_t kMaxRaidDevices = 32;

// What a member holds in one row.
enum class UnitKind : std::uint8_t { data, p, q, copy, unused };

struct Unit {
  UnitKind kind = UnitKind::unused;
  std::uint32_t index = 0;  // data: the data unit number in the row; otherwise 0
};

// A chunk's place on a member.
struct Place {
  std::uint32_t disk = 0;
  std::uint64_t row = 0;

  friend bool operator==(const Place&, const Place&) = default;
};

class Layout {
 public:
  // Member counts each level accepts: RAID 0 and 1 from 2, RAID 5 from 3, RAID 6 from 4,
  // RAID 10 from 2 (up to kMaxRaidDevices); a chunk of at least one block.
  static std::error_code validate(Level level, std::uint32_t raid_devices, std::uint64_t chunk_blocks) noexcept;

  // Precondition: validate(level, raid_devices, chunk_blocks) succeeded.
  Layout(Level level, std::uint32_t raid_devices, std::uint64_t chunk_blocks, std::uint64_t rows) noexcept
      : level_(level), n_(raid_devices), chunk_blocks_(chunk_blocks), rows_(rows) {}

  Level level() const noexcept { return level_; }
  std::uint32_t raid_devices() const noexcept { return n_; }
  std::uint64_t chunk_blocks() const noexcept { return chunk_blocks_; }
  std::uint64_t rows() const noexcept { return rows_; }

  bool is_parity() const noexcept { return level_ == Level::raid5 || level_ == Level::raid6; }
  bool is_mirror() const noexcept { return level_ == Level::raid1 || level_ == Level::raid10; }
  // Data chunks per row (RAID 0, 5, 6).
  std::uint32_t data_units() const noexcept;
  // Parity chunks per row: 0, 1 (RAID 5) or 2 (RAID 6).
  std::uint32_t parity_units() const noexcept;
  // Logical chunks of the volume.
  std::uint64_t logical_chunks() const noexcept;
  std::uint64_t capacity_blocks() const noexcept { return logical_chunks() * chunk_blocks_; }

  // RAID 0, 5, 6: the disk of unit `unit` (data 0..d-1, then P, then Q) in `row`.
  std::uint32_t disk_of(std::uint64_t row, std::uint32_t unit) const noexcept;
  // RAID 0, 5, 6: what `disk` holds in `row`; RAID 1 and 10: UnitKind::copy or unused.
  Unit unit_of(std::uint64_t row, std::uint32_t disk) const noexcept;

  // RAID 1 and 10: where the copies of logical chunk `chunk` live (RAID 1: one per disk).
  // Returns the number of places written to `out` (RAID 10: 2).
  std::uint32_t copies_of(std::uint64_t chunk, std::span<Place, kMaxRaidDevices> out) const noexcept;
  // RAID 1 and 10: the logical chunk stored at (disk, row); nullopt for RAID 10's unused
  // tail slot when the slot count is odd.
  std::optional<std::uint64_t> chunk_at(std::uint32_t disk, std::uint64_t row) const noexcept;

  // Whether every block stays readable with the disks marked in `missing` (one flag per
  // raid device) gone.
  bool survives(std::span<const bool> missing) const noexcept;

 private:
  Level level_;
  std::uint32_t n_;
  std::uint64_t chunk_blocks_;
  std::uint64_t rows_;
};

}  // namespace uiscsi::target::raid
