// What the level engines share: the layout, the member slots, the stripe locks, the
// write-intent bitmap and where to report a failing member.
#pragma once

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <span>
#include <system_error>

#include "target/backend/raid/detail/member.h"
#include "target/backend/raid/layout.h"
#include "target/backend/raid/stripe_locks.h"
#include "target/backend/raid/write_intent_bitmap.h"

namespace uiscsi::target::raid::detail {

// Told about every member I/O error; marks the member faulty (and may start a rebuild onto
// a spare). May be called with a stripe lock held; must not take one.
class FailureSink {
 public:
  virtual void member_failed(Member& member, std::error_code ec) noexcept = 0;

 protected:
  ~FailureSink() = default;
};

// The error every data-path call returns when the redundancy is exhausted.
inline std::error_code volume_io_error() noexcept { return {EIO, std::system_category()}; }

class Volume {
 public:
  Volume(Layout layout, std::uint32_t block_size, std::uint64_t data_offset_blocks, FailureSink& failures) noexcept
      : layout_(layout), block_size_(block_size), data_offset_blocks_(data_offset_blocks), failures_(failures) {}

  const Layout& layout() const noexcept { return layout_; }
  std::uint32_t block_size() const noexcept { return block_size_; }
  std::uint64_t chunk_blocks() const noexcept { return layout_.chunk_blocks(); }
  std::size_t chunk_bytes() const noexcept { return layout_.chunk_blocks() * block_size_; }
  StripeLocks& locks() noexcept { return locks_; }
  // Null for RAID 0 (nothing to resync).
  WriteIntentBitmap* bitmap() const noexcept { return bitmap_; }
  void set_bitmap(WriteIntentBitmap* bitmap) noexcept { bitmap_ = bitmap; }

  Member* slot(std::uint32_t disk) const noexcept { return slots_[disk].load(std::memory_order_acquire); }
  void set_slot(std::uint32_t disk, Member* m) noexcept { slots_[disk].store(m, std::memory_order_release); }
  // The member of `disk` if it holds `row`, else null.
  Member* holder(std::uint32_t disk, std::uint64_t row) const noexcept {
    Member* m = slot(disk);
    return m != nullptr && m->holds(row) ? m : nullptr;
  }

  // Member I/O at (row, column in blocks); an error is reported to the FailureSink
  // (unless `report` is false, for RAID 0 which has no failover) and returned.
  std::error_code read(Member& m, std::uint64_t row, std::uint64_t column, std::span<std::byte> out,
                       bool report = true) noexcept {
    auto ec = m.backend->read(lba(row, column), out);
    if (ec && report) failures_.member_failed(m, ec);
    return ec;
  }
  std::error_code write(Member& m, std::uint64_t row, std::uint64_t column, std::span<const std::byte> in, bool fua,
                        bool report = true) noexcept {
    auto ec = m.backend->write(lba(row, column), in, fua);
    if (ec && report) failures_.member_failed(m, ec);
    return ec;
  }

 private:
  std::uint64_t lba(std::uint64_t row, std::uint64_t column) const noexcept {
    return data_offset_blocks_ + row * layout_.chunk_blocks() + column;
  }

  Layout layout_;
  std::uint32_t block_size_;
  std::uint64_t data_offset_blocks_;
  FailureSink& failures_;
  std::array<std::atomic<Member*>, kMaxRaidDevices> slots_{};
  StripeLocks locks_;
  WriteIntentBitmap* bitmap_ = nullptr;
};

}  // namespace uiscsi::target::raid::detail
