// RAID 1 and RAID 10: every logical chunk has copies on several members (all of them for
// RAID 1, two for RAID 10's near-2 layout).
//
// Reads take one held copy, without a lock, spreading chunks over the copies; a copy that
// fails is marked faulty and the next one is tried. Writes lock the logical chunk and go to
// every in-sync or rebuilding member — a rebuilding member is written even above its
// watermark, so a chunk the rebuild has already copied never misses a later write — and
// succeed when at least one copy that holds the row took the data.
#include <cstring>

#include "target/backend/raid/detail/aligned_buffer.h"
#include "target/backend/raid/detail/chunk_walk.h"
#include "target/backend/raid/detail/engine.h"
#include "target/backend/raid/raid_error.h"

namespace uiscsi::target::raid::detail {
namespace {

class MirrorEngine final : public Engine {
 public:
  explicit MirrorEngine(Volume& volume) noexcept : v_(volume), bs_(volume.block_size()) {}

  std::error_code read(std::uint64_t lba, std::span<std::byte> out) noexcept override {
    return walk_chunks(lba, out.size() / bs_, v_.chunk_blocks(),
                       [&](std::uint64_t chunk, std::uint64_t offset, std::uint64_t blocks, std::uint64_t at) {
                         std::array<Place, kMaxRaidDevices> places{};
                         const std::uint32_t n = v_.layout().copies_of(chunk, places);
                         auto piece = out.subspan(at * bs_, blocks * bs_);
                         const auto start = static_cast<std::uint32_t>(chunk % n);
                         for (std::uint32_t k = 0; k < n; ++k) {
                           const Place p = places[(start + k) % n];
                           Member* m = v_.holder(p.disk, p.row);
                           if (m != nullptr && !v_.read(*m, p.row, offset, piece)) return std::error_code{};
                         }
                         return volume_io_error();
                       });
  }

  std::error_code write(std::uint64_t lba, std::span<const std::byte> in, bool fua) noexcept override {
    return walk_chunks(lba, in.size() / bs_, v_.chunk_blocks(),
                       [&](std::uint64_t chunk, std::uint64_t offset, std::uint64_t blocks, std::uint64_t at) {
                         return write_chunk(chunk, offset, in.subspan(at * bs_, blocks * bs_), fua);
                       });
  }

  std::error_code rebuild_row(std::uint64_t row, std::span<Member* const> targets) noexcept override {
    AlignedBuffer buffer(v_.chunk_bytes());
    if (!buffer.ok()) return std::make_error_code(std::errc::not_enough_memory);
    const std::span<std::byte> data(buffer.data(), buffer.size());
    for (Member* t : targets) {
      const std::uint16_t role = t->role.load();
      if (t->state.load() != DeviceState::rebuilding || role >= v_.layout().raid_devices() ||
          t->rebuilt_rows.load() > row || v_.slot(role) != t)
        continue;
      const auto chunk = v_.layout().chunk_at(role, row);
      if (!chunk) continue;  // RAID 10's unused tail slot
      auto lock = v_.locks().lock(*chunk);
      if (!read_other_copy(*chunk, Place{role, row}, data)) return volume_io_error();
      if (auto ec = v_.write(*t, row, 0, data, false)) return ec;
    }
    for (Member* t : targets) {
      if (t->state.load() == DeviceState::rebuilding && t->rebuilt_rows.load() <= row)
        t->rebuilt_rows.store(row + 1, std::memory_order_release);
    }
    return {};
  }

  std::error_code sync_row(std::uint64_t row, bool repair, bool& consistent) noexcept override {
    consistent = true;
    AlignedBuffer first(v_.chunk_bytes());
    AlignedBuffer other(v_.chunk_bytes());
    if (!first.ok() || !other.ok()) return std::make_error_code(std::errc::not_enough_memory);
    const std::span<std::byte> a(first.data(), first.size());
    const std::span<std::byte> b(other.data(), other.size());
    // Every logical chunk with a copy in this member row (RAID 10 chunks may straddle two
    // rows; such a chunk is checked from both).
    const Layout& l = v_.layout();
    std::uint64_t begin = row;
    std::uint64_t end = row + 1;
    if (l.level() == Level::raid10) {
      begin = row * l.raid_devices() / 2;
      end = std::min(((row + 1) * l.raid_devices() + 1) / 2, l.logical_chunks());
    }
    for (std::uint64_t chunk = begin; chunk < end; ++chunk) {
      auto lock = v_.locks().lock(chunk);
      std::array<Place, kMaxRaidDevices> places{};
      const std::uint32_t n = l.copies_of(chunk, places);
      Member* source = nullptr;
      for (std::uint32_t k = 0; k < n; ++k) {
        Member* m = v_.holder(places[k].disk, places[k].row);
        if (m == nullptr) continue;
        if (source == nullptr) {
          if (auto ec = v_.read(*m, places[k].row, 0, a)) return ec;
          source = m;
          continue;
        }
        if (auto ec = v_.read(*m, places[k].row, 0, b)) return ec;
        if (std::memcmp(a.data(), b.data(), a.size()) == 0) continue;
        consistent = false;
        if (repair) {
          if (auto ec = v_.write(*m, places[k].row, 0, a, false)) return ec;
        }
      }
    }
    return {};
  }

 private:
  std::error_code write_chunk(std::uint64_t chunk, std::uint64_t offset, std::span<const std::byte> piece,
                              bool fua) noexcept {
    std::array<Place, kMaxRaidDevices> places{};
    const std::uint32_t n = v_.layout().copies_of(chunk, places);
    // RAID 1's copies share one row; RAID 10's two copies may sit in two rows.
    WriteIntentBitmap* bitmap = v_.bitmap();
    const std::uint64_t row_a = places[0].row;
    const std::uint64_t row_b = places[n - 1].row;
    if (auto ec = bitmap->start_write(row_a)) return ec;
    if (auto ec = bitmap->start_write(row_b)) {
      bitmap->end_write(row_a);
      return ec;
    }
    std::uint32_t held = 0;
    {
      auto lock = v_.locks().lock(chunk);
      for (std::uint32_t k = 0; k < n; ++k) {
        Member* m = v_.slot(places[k].disk);
        if (m == nullptr || !m->writable()) continue;
        if (!v_.write(*m, places[k].row, offset, piece, fua) && m->holds(places[k].row)) ++held;
      }
    }
    bitmap->end_write(row_b);
    bitmap->end_write(row_a);
    return held > 0 ? std::error_code{} : volume_io_error();
  }

  // Reads the copy of `chunk` that is not at `target` into `out`, trying each held copy.
  bool read_other_copy(std::uint64_t chunk, Place target, std::span<std::byte> out) noexcept {
    std::array<Place, kMaxRaidDevices> places{};
    const std::uint32_t n = v_.layout().copies_of(chunk, places);
    for (std::uint32_t k = 0; k < n; ++k) {
      if (places[k] == target) continue;
      Member* m = v_.holder(places[k].disk, places[k].row);
      if (m != nullptr && !v_.read(*m, places[k].row, 0, out)) return true;
    }
    return false;
  }

  Volume& v_;
  const std::uint32_t bs_;
};

}  // namespace

std::unique_ptr<Engine> make_mirror_engine(Volume& volume) { return std::make_unique<MirrorEngine>(volume); }

}  // namespace uiscsi::target::raid::detail
