// RAID 5 and RAID 6: data chunks with rotating P (and Q) parity, computed by ISA-L.
//
// Reads go straight to the member holding the chunk, without a lock; only a read that
// must reconstruct (its member is missing, or fails) takes the row's stripe lock, so it
// never combines a half-updated row. A write locks its row and picks the cheapest way to
// keep the parity right:
//  - full stripe (every data unit's columns are replaced): parity from the new data alone,
//    no reads — a special case of reconstruct-write;
//  - reconstruct-write: read the data units the write does not replace, compute parity;
//  - read-modify-write: read the replaced data and the parity, apply the difference;
//    chosen when it reads fewer units;
//  - degraded: when a lost unit's old contents are needed, read every survivor,
//    reconstruct the lost units, apply the write, recompute the parity.
// A member that fails a read mid-plan is marked faulty (by Volume) and the row is planned
// again; one that fails a write is marked faulty and the write still succeeds while the
// row keeps enough units to be reconstructed.
#include <cstring>

#include "target/backend/raid/detail/aligned_buffer.h"
#include "target/backend/raid/detail/chunk_walk.h"
#include "target/backend/raid/detail/engine.h"
#include "target/backend/raid/detail/row_write.h"
#include "target/backend/raid/parity.h"
#include "target/backend/raid/raid_error.h"

namespace uiscsi::target::raid::detail {
namespace {

constexpr std::size_t kMaxUnits = kMaxRaidDevices;

std::error_code out_of_memory() noexcept { return std::make_error_code(std::errc::not_enough_memory); }

bool aligned(const void* p) noexcept { return reinterpret_cast<std::uintptr_t>(p) % parity::kAlignment == 0; }

// The members holding each unit of a row, and the units nobody holds.
struct Holders {
  std::array<Member*, kMaxUnits> member{};
  std::array<std::uint32_t, kMaxUnits> lost_units{};
  std::uint32_t lost = 0;

  std::span<const std::uint32_t> lost_list() const noexcept { return std::span(lost_units).first(lost); }
};

// Hands out consecutive slices of one scratch allocation.
class Slices {
 public:
  Slices(std::size_t count, std::size_t len) noexcept : buffer_(count * len), len_(len) {}
  bool ok() const noexcept { return buffer_.ok() || len_ == 0; }
  std::byte* take() noexcept { return buffer_.data() + len_ * next_++; }

 private:
  AlignedBuffer buffer_;
  std::size_t len_;
  std::size_t next_ = 0;
};

class ParityEngine final : public Engine {
 public:
  explicit ParityEngine(Volume& volume) noexcept
      : v_(volume),
        bs_(volume.block_size()),
        d_(volume.layout().data_units()),
        pu_(volume.layout().parity_units()),
        units_(d_ + pu_) {}

  std::error_code read(std::uint64_t lba, std::span<std::byte> out) noexcept override {
    return walk_chunks(lba, out.size() / bs_, v_.chunk_blocks(),
                       [&](std::uint64_t chunk, std::uint64_t offset, std::uint64_t blocks, std::uint64_t at) {
                         const std::uint64_t row = chunk / d_;
                         const auto unit = static_cast<std::uint32_t>(chunk % d_);
                         auto piece = out.subspan(at * bs_, blocks * bs_);
                         // The common case: straight from the member, no lock.
                         Member* m = holder(row, unit);
                         if (m != nullptr && !v_.read(*m, row, offset, piece)) return std::error_code{};
                         return degraded_read(row, unit, offset, piece);
                       });
  }

  std::error_code write(std::uint64_t lba, std::span<const std::byte> in, bool fua) noexcept override {
    const std::uint64_t row_blocks = d_ * v_.chunk_blocks();
    std::uint64_t done = 0;
    const std::uint64_t blocks = in.size() / bs_;
    while (done < blocks) {
      const std::uint64_t row = (lba + done) / row_blocks;
      const std::uint64_t first = (lba + done) % row_blocks;
      const std::uint64_t count = std::min(row_blocks - first, blocks - done);
      WriteIntentBitmap* bitmap = v_.bitmap();
      if (auto ec = bitmap->start_write(row)) return ec;
      auto ec = write_row(row, RowWrite(first, count, v_.chunk_blocks()), in.subspan(done * bs_, count * bs_), fua);
      bitmap->end_write(row);
      if (ec) return ec;
      done += count;
    }
    return {};
  }

  std::error_code rebuild_row(std::uint64_t row, std::span<Member* const> targets) noexcept override {
    auto lock = v_.locks().lock(row);
    for (std::uint32_t attempt = 0; attempt <= units_; ++attempt) {
      std::array<Member*, kMaxUnits> todo{};
      std::size_t count = 0;
      for (Member* t : targets) {
        const std::uint16_t role = t->role.load();
        if (t->state.load() == DeviceState::rebuilding && role < v_.layout().raid_devices() &&
            t->rebuilt_rows.load() <= row && v_.slot(role) == t)
          todo[count++] = t;
      }
      if (count == 0) return {};
      const Holders h = holders(row);
      if (h.lost > pu_) return volume_io_error();
      const std::size_t len = v_.chunk_bytes();
      Slices scratch(units_, len);
      if (!scratch.ok()) return out_of_memory();
      std::array<std::byte*, kMaxUnits> unit{};
      if (!read_units(row, 0, len, h, scratch, unit)) continue;
      if (auto ec = parity::reconstruct(d_, pu_, std::span(unit).first(units_), h.lost_list(), len)) return ec;
      for (std::size_t k = 0; k < count; ++k) {
        const std::uint32_t u = unit_index(row, todo[k]->role.load());
        if (auto ec = v_.write(*todo[k], row, 0, std::span(unit[u], len), false)) return ec;
      }
      for (std::size_t k = 0; k < count; ++k) todo[k]->rebuilt_rows.store(row + 1, std::memory_order_release);
      return {};
    }
    return volume_io_error();
  }

  std::error_code sync_row(std::uint64_t row, bool repair, bool& consistent) noexcept override {
    auto lock = v_.locks().lock(row);
    const Holders h = holders(row);
    if (h.lost > 0) return raid_errc::degraded;
    const std::size_t len = v_.chunk_bytes();
    Slices scratch(units_, len);
    if (!scratch.ok()) return out_of_memory();
    std::array<std::byte*, kMaxUnits> unit{};
    for (std::uint32_t u = 0; u < units_; ++u) {
      unit[u] = scratch.take();
      if (auto ec = v_.read(*h.member[u], row, 0, std::span(unit[u], len))) return ec;
    }
    std::byte* q = pu_ == 2 ? unit[d_ + 1] : nullptr;
    consistent = parity::check(std::span(unit).first(d_), unit[d_], q, len);
    if (consistent || !repair) return {};
    parity::generate(std::span(unit).first(d_), unit[d_], q, len);
    for (std::uint32_t u = d_; u < units_; ++u) {
      if (auto ec = v_.write(*h.member[u], row, 0, std::span(unit[u], len), false)) return ec;
    }
    return {};
  }

 private:
  Member* holder(std::uint64_t row, std::uint32_t unit) const noexcept {
    return v_.holder(v_.layout().disk_of(row, unit), row);
  }

  Holders holders(std::uint64_t row) const noexcept {
    Holders h;
    for (std::uint32_t u = 0; u < units_; ++u) {
      h.member[u] = holder(row, u);
      if (h.member[u] == nullptr) h.lost_units[h.lost++] = u;
    }
    return h;
  }

  std::uint32_t unit_index(std::uint64_t row, std::uint32_t disk) const noexcept {
    const Unit u = v_.layout().unit_of(row, disk);
    if (u.kind == UnitKind::p) return d_;
    if (u.kind == UnitKind::q) return d_ + 1;
    return u.index;
  }

  // Reads columns [column, column + len) of every held unit into fresh slices (lost units
  // get a slice too, to be reconstructed into). False if a member failed meanwhile.
  bool read_units(std::uint64_t row, std::uint64_t column, std::size_t len, const Holders& h, Slices& scratch,
                  std::array<std::byte*, kMaxUnits>& unit) noexcept {
    for (std::uint32_t u = 0; u < units_; ++u) {
      unit[u] = scratch.take();
      if (h.member[u] != nullptr && v_.read(*h.member[u], row, column, std::span(unit[u], len))) return false;
    }
    return true;
  }

  std::error_code degraded_read(std::uint64_t row, std::uint32_t unit_no, std::uint64_t offset,
                                std::span<std::byte> out) noexcept {
    auto lock = v_.locks().lock(row);
    for (std::uint32_t attempt = 0; attempt <= units_; ++attempt) {
      if (Member* m = holder(row, unit_no)) {
        if (!v_.read(*m, row, offset, out)) return {};
        continue;
      }
      const Holders h = holders(row);
      if (h.lost > pu_) return volume_io_error();
      Slices scratch(units_, out.size());
      if (!scratch.ok()) return out_of_memory();
      std::array<std::byte*, kMaxUnits> unit{};
      if (!read_units(row, offset, out.size(), h, scratch, unit)) continue;
      if (auto ec = parity::reconstruct(d_, pu_, std::span(unit).first(units_), h.lost_list(), out.size())) return ec;
      std::memcpy(out.data(), unit[unit_no], out.size());
      return {};
    }
    return volume_io_error();
  }

  std::error_code write_row(std::uint64_t row, const RowWrite& w, std::span<const std::byte> in, bool fua) noexcept {
    auto lock = v_.locks().lock(row);
    for (std::uint32_t attempt = 0; attempt <= units_; ++attempt) {
      const Holders h = holders(row);
      if (h.lost > pu_) return volume_io_error();
      bool retry = false;
      std::error_code ec;
      if (h.lost == 0) {
        std::uint32_t rcw_reads = 0;
        for (std::uint32_t u = 0; u < d_; ++u) rcw_reads += w.full(u) ? 0 : 1;
        const std::uint32_t rmw_reads = w.last_unit() - w.first_unit() + 1 + pu_;
        ec = rcw_reads <= rmw_reads ? reconstruct_write(row, w, in, fua, h, retry)
                                    : read_modify_write(row, w, in, fua, h, retry);
      } else if (lost_unwritten_data(w, h)) {
        ec = degraded_write(row, w, in, fua, h, retry);
      } else {
        ec = reconstruct_write(row, w, in, fua, h, retry);
      }
      if (!retry) return ec;
    }
    return volume_io_error();
  }

  // Whether a lost data unit keeps columns the write does not replace (their old contents
  // are then needed and must be reconstructed).
  bool lost_unwritten_data(const RowWrite& w, const Holders& h) const noexcept {
    for (auto u : h.lost_list())
      if (u < d_ && !w.full(u)) return true;
    return false;
  }

  const std::byte* source(const RowWrite& w, std::span<const std::byte> in, std::uint32_t unit,
                          std::uint64_t column) const noexcept {
    return in.data() + w.source_block(unit, column) * bs_;
  }

  // Copies the written columns of `unit` into `dest`, which holds columns [c0, c1).
  void overlay(const RowWrite& w, std::span<const std::byte> in, std::uint32_t unit, std::byte* dest) const noexcept {
    const std::uint64_t b = w.cover_begin(unit);
    const std::uint64_t e = w.cover_end(unit);
    std::memcpy(dest + (b - w.c0()) * bs_, source(w, in, unit, b), (e - b) * bs_);
  }

  // The new contents of a fully replaced unit: the caller's buffer when ISA-L can use it
  // in place (the data units are only read; ISA-L's pointer arrays are not const), else a
  // copy in scratch.
  std::byte* replaced_unit(const RowWrite& w, std::span<const std::byte> in, std::uint32_t unit, Slices& scratch,
                           std::size_t len) const noexcept {
    const std::byte* src = source(w, in, unit, w.c0());
    if (aligned(in.data())) return const_cast<std::byte*>(src);
    std::byte* copy = scratch.take();
    std::memcpy(copy, src, len);
    return copy;
  }

  std::error_code reconstruct_write(std::uint64_t row, const RowWrite& w, std::span<const std::byte> in, bool fua,
                                    const Holders& h, bool& retry) noexcept {
    const std::size_t len = w.columns() * bs_;
    Slices scratch(units_, len);
    if (!scratch.ok()) return out_of_memory();
    std::array<std::byte*, kMaxUnits> unit{};
    for (std::uint32_t u = 0; u < d_; ++u) {
      if (w.full(u)) {
        unit[u] = replaced_unit(w, in, u, scratch, len);
        continue;
      }
      unit[u] = scratch.take();
      // Units the write does not replace are held here (see write_row).
      if (v_.read(*h.member[u], row, w.c0(), std::span(unit[u], len))) {
        retry = true;
        return {};
      }
      if (w.touched(u)) overlay(w, in, u, unit[u]);
    }
    return finish(row, w, in, fua, unit, scratch, len);
  }

  std::error_code read_modify_write(std::uint64_t row, const RowWrite& w, std::span<const std::byte> in, bool fua,
                                    const Holders& h, bool& retry) noexcept {
    const std::size_t len = w.columns() * bs_;
    const std::uint32_t touched = w.last_unit() - w.first_unit() + 1;
    Slices scratch(2 * touched + 2 * pu_, len);
    if (!scratch.ok()) return out_of_memory();
    std::array<std::uint32_t, kMaxUnits> index{};
    std::array<std::byte*, kMaxUnits> old_data{};
    std::array<std::byte*, kMaxUnits> new_data{};
    for (std::uint32_t k = 0; k < touched; ++k) {
      const std::uint32_t u = w.first_unit() + k;
      index[k] = u;
      old_data[k] = scratch.take();
      if (v_.read(*h.member[u], row, w.c0(), std::span(old_data[k], len))) {
        retry = true;
        return {};
      }
      if (w.full(u)) {
        new_data[k] = replaced_unit(w, in, u, scratch, len);
      } else {
        new_data[k] = scratch.take();
        std::memcpy(new_data[k], old_data[k], len);
        overlay(w, in, u, new_data[k]);
      }
    }
    std::array<std::byte*, 2> old_parity{};
    std::array<std::byte*, kMaxUnits> unit{};
    for (std::uint32_t p = 0; p < pu_; ++p) {
      old_parity[p] = scratch.take();
      unit[d_ + p] = scratch.take();
      if (v_.read(*h.member[d_ + p], row, w.c0(), std::span(old_parity[p], len))) {
        retry = true;
        return {};
      }
    }
    parity::update(std::span(index).first(touched), std::span(old_data).first(touched),
                   std::span(new_data).first(touched), old_parity[0], unit[d_], old_parity[1],
                   pu_ == 2 ? unit[d_ + 1] : nullptr, len);
    return write_back(row, w, in, fua, unit, len);
  }

  std::error_code degraded_write(std::uint64_t row, const RowWrite& w, std::span<const std::byte> in, bool fua,
                                 const Holders& h, bool& retry) noexcept {
    const std::size_t len = w.columns() * bs_;
    Slices scratch(units_, len);
    if (!scratch.ok()) return out_of_memory();
    std::array<std::byte*, kMaxUnits> unit{};
    if (!read_units(row, w.c0(), len, h, scratch, unit)) {
      retry = true;
      return {};
    }
    if (auto ec = parity::reconstruct(d_, pu_, std::span(unit).first(units_), h.lost_list(), len)) return ec;
    for (std::uint32_t u = w.first_unit(); u <= w.last_unit(); ++u) overlay(w, in, u, unit[u]);
    // The parity slices are reused: finish_in_place() recomputes them from the new data.
    return finish_in_place(row, w, in, fua, unit, len);
  }

  // Computes fresh parity for the data units in `unit` and writes the row.
  std::error_code finish(std::uint64_t row, const RowWrite& w, std::span<const std::byte> in, bool fua,
                         std::array<std::byte*, kMaxUnits>& unit, Slices& scratch, std::size_t len) noexcept {
    for (std::uint32_t p = 0; p < pu_; ++p) unit[d_ + p] = scratch.take();
    return finish_in_place(row, w, in, fua, unit, len);
  }

  std::error_code finish_in_place(std::uint64_t row, const RowWrite& w, std::span<const std::byte> in, bool fua,
                                  std::array<std::byte*, kMaxUnits>& unit, std::size_t len) noexcept {
    parity::generate(std::span(unit).first(d_), unit[d_], pu_ == 2 ? unit[d_ + 1] : nullptr, len);
    return write_back(row, w, in, fua, unit, len);
  }

  // Writes the replaced columns of the touched data units (straight from the caller's
  // buffer) and the parity columns to the members that hold them. A member that fails is
  // marked faulty; the write stands while the row can still be reconstructed.
  std::error_code write_back(std::uint64_t row, const RowWrite& w, std::span<const std::byte> in, bool fua,
                             const std::array<std::byte*, kMaxUnits>& unit, std::size_t len) noexcept {
    for (std::uint32_t u = w.first_unit(); u <= w.last_unit(); ++u) {
      Member* m = holder(row, u);
      if (m == nullptr) continue;
      const std::uint64_t b = w.cover_begin(u);
      const std::uint64_t e = w.cover_end(u);
      (void)v_.write(*m, row, b, in.subspan(w.source_block(u, b) * bs_, (e - b) * bs_), fua);
    }
    for (std::uint32_t u = d_; u < units_; ++u) {
      if (Member* m = holder(row, u)) (void)v_.write(*m, row, w.c0(), std::span(unit[u], len), fua);
    }
    return holders(row).lost > pu_ ? volume_io_error() : std::error_code{};
  }

  Volume& v_;
  const std::uint32_t bs_;
  const std::uint32_t d_;
  const std::uint32_t pu_;
  const std::uint32_t units_;
};

}  // namespace

std::unique_ptr<Engine> make_parity_engine(Volume& volume) { return std::make_unique<ParityEngine>(volume); }

}  // namespace uiscsi::target::raid::detail
