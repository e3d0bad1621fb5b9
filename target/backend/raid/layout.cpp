#include "target/backend/raid/layout.h"

#include "target/backend/raid/raid_error.h"

namespace uiscsi::target::raid {

std::optional<Level> parse_level(std::string_view text) noexcept {
  if (text.starts_with("raid")) text.remove_prefix(4);
  if (text == "0") return Level::raid0;
  if (text == "1") return Level::raid1;
  if (text == "5") return Level::raid5;
  if (text == "6") return Level::raid6;
  if (text == "10") return Level::raid10;
  return std::nullopt;
}

std::optional<Level> level_from_number(std::uint32_t number) noexcept {
  switch (number) {
    case 0: return Level::raid0;
    case 1: return Level::raid1;
    case 5: return Level::raid5;
    case 6: return Level::raid6;
    case 10: return Level::raid10;
    default: return std::nullopt;
  }
}

std::string_view level_name(Level level) noexcept {
  switch (level) {
    case Level::raid0: return "raid0";
    case Level::raid1: return "raid1";
    case Level::raid5: return "raid5";
    case Level::raid6: return "raid6";
    case Level::raid10: return "raid10";
  }
  return "unknown";
}

std::error_code Layout::validate(Level level, std::uint32_t raid_devices, std::uint64_t chunk_blocks) noexcept {
  std::uint32_t min = 2;
  if (level == Level::raid5) min = 3;
  if (level == Level::raid6) min = 4;
  if (raid_devices < min || raid_devices > kMaxRaidDevices || chunk_blocks == 0) return raid_errc::invalid_config;
  return {};
}

std::uint32_t Layout::data_units() const noexcept {
  switch (level_) {
    case Level::raid0: return n_;
    case Level::raid5: return n_ - 1;
    case Level::raid6: return n_ - 2;
    case Level::raid1:
    case Level::raid10: break;
  }
  return 1;
}

std::uint32_t Layout::parity_units() const noexcept {
  if (level_ == Level::raid5) return 1;
  if (level_ == Level::raid6) return 2;
  return 0;
}

std::uint64_t Layout::logical_chunks() const noexcept {
  switch (level_) {
    case Level::raid1: return rows_;
    case Level::raid10: return rows_ * n_ / 2;
    case Level::raid0:
    case Level::raid5:
    case Level::raid6: break;
  }
  return rows_ * data_units();
}

std::uint32_t Layout::disk_of(std::uint64_t row, std::uint32_t unit) const noexcept {
  if (level_ == Level::raid0) return unit;
  // md's left-symmetric: P walks backwards from the last disk, the row's data starts right
  // after the parity (after Q for RAID 6) and wraps.
  const auto p = static_cast<std::uint32_t>(n_ - 1 - row % n_);
  const std::uint32_t d = data_units();
  if (unit == d) return p;
  if (unit == d + 1) return (p + 1) % n_;
  return (p + parity_units() + unit) % n_;
}

Unit Layout::unit_of(std::uint64_t row, std::uint32_t disk) const noexcept {
  if (is_mirror()) return chunk_at(disk, row) ? Unit{UnitKind::copy, 0} : Unit{};
  if (level_ == Level::raid0) return {UnitKind::data, disk};
  const auto p = static_cast<std::uint32_t>(n_ - 1 - row % n_);
  if (disk == p) return {UnitKind::p, 0};
  if (level_ == Level::raid6 && disk == (p + 1) % n_) return {UnitKind::q, 0};
  return {UnitKind::data, (disk + 2 * n_ - p - parity_units()) % n_};
}

std::uint32_t Layout::copies_of(std::uint64_t chunk, std::span<Place, kMaxRaidDevices> out) const noexcept {
  if (level_ == Level::raid1) {
    for (std::uint32_t disk = 0; disk < n_; ++disk) out[disk] = {disk, chunk};
    return n_;
  }
  for (std::uint64_t copy = 0; copy < 2; ++copy) {
    const std::uint64_t slot = 2 * chunk + copy;
    out[copy] = {static_cast<std::uint32_t>(slot % n_), slot / n_};
  }
  return 2;
}

std::optional<std::uint64_t> Layout::chunk_at(std::uint32_t disk, std::uint64_t row) const noexcept {
  if (level_ == Level::raid1) return row;
  const std::uint64_t chunk = (row * n_ + disk) / 2;
  if (chunk >= logical_chunks()) return std::nullopt;
  return chunk;
}

bool Layout::survives(std::span<const bool> missing) const noexcept {
  std::uint32_t lost = 0;
  for (std::uint32_t disk = 0; disk < n_; ++disk) lost += missing[disk] ? 1 : 0;
  switch (level_) {
    case Level::raid0: return lost == 0;
    case Level::raid1: return lost < n_;
    case Level::raid5: return lost <= 1;
    case Level::raid6: return lost <= 2;
    case Level::raid10: break;
  }
  // Near-2: chunk c's copies sit on disks 2c mod n and 2c+1 mod n; the pattern repeats
  // after n chunks, so checking those pairs covers every chunk.
  for (std::uint64_t c = 0; c < n_; ++c) {
    if (missing[(2 * c) % n_] && missing[(2 * c + 1) % n_]) return false;
  }
  return true;
}

}  // namespace uiscsi::target::raid
