// The write-intent bitmap: one bit per region of rows, set on disk before any write to the
// region and cleared lazily once the region has been quiet and its writes are stable.
//
// Why it closes the write hole after a crash without a lost member: a RAID 5/6 row write
// updates data and parity with separate member writes, and a crash between them leaves the
// row's parity out of step with its data. That row can only be one that was being
// written, and every row being written lies in a region whose bit reached the disk (FUA)
// before the first member write was issued. After the crash the volume is dirty, and
// assembly recomputes the parity (or copies the first mirror) of every row in those
// regions before any I/O is served; the data chunks then read as whatever reached the
// disk (old or new per block, which is all a crash promises), and the parity agrees with
// them again, so a member lost later reconstructs correctly.
//
// A crash *and* a lost member together are not closed by this: a row torn by the crash
// whose lost member held data cannot be resynced (the parity is needed to recover the
// lost data but may not match the surviving data), so the lost chunk of such a row may
// come back as garbage. md solves this with a journal device. This volume refuses to start
// dirty and degraded (raid_errc::dirty_degraded) unless forced, and then resyncs only the
// rows it can; see RaidBackend::assemble.
//
// Concurrency: start_write/end_write are lock-free while the region's bit is already set
// (an in-flight counter per region); only the first write to a clean region takes the
// mutex to set and persist the bit. sweep() clears a region only if no write started since
// the previous sweep and none is in flight, using a store/load handshake on the region's
// `set` flag and in-flight count (both sequentially consistent), so a writer either sees
// the bit cleared and persists it again, or the sweeper sees the writer and keeps the bit.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <system_error>
#include <vector>

namespace uiscsi::target::raid {

// Where the bitmap goes on disk; implemented by the volume.
class BitmapStore {
 public:
  virtual ~BitmapStore() = default;
  // Writes bitmap page `page` (`bytes`, one page) to every member with FUA. Fails only if
  // no member could store it.
  virtual std::error_code store_bitmap_page(std::uint64_t page, std::span<const std::byte> bytes) noexcept = 0;
  // Makes every completed data write stable on every member.
  virtual std::error_code flush_members() noexcept = 0;
};

class WriteIntentBitmap {
 public:
  // `bits` regions of `region_rows` rows each; pages of `page_bytes` bytes. `store` must
  // outlive the bitmap.
  WriteIntentBitmap(std::uint64_t bits, std::uint64_t region_rows, std::size_t page_bytes, BitmapStore& store);

  std::uint64_t bits() const noexcept { return bits_; }
  std::uint64_t region_rows() const noexcept { return region_rows_; }
  std::size_t page_bytes() const noexcept { return page_bytes_; }
  std::uint64_t pages() const noexcept { return image_.size() / page_bytes_; }
  std::uint64_t region_of(std::uint64_t row) const noexcept { return row / region_rows_; }

  // Merges a bitmap read from a member (image bytes, LSB first) into this one; the set
  // bits mark regions that may be out of sync. Only before I/O starts.
  void merge(std::span<const std::byte> image) noexcept;

  // Before writing to `row`: counts the write in and makes sure its region's bit is on
  // disk. The error of persisting the bit (the write must then not be issued).
  std::error_code start_write(std::uint64_t row) noexcept;
  // After the write to `row` completed (successfully or not).
  void end_write(std::uint64_t row) noexcept;

  // Clears the bits of regions that saw no write since the previous sweep and have none in
  // flight: flushes the members, then persists the cleared bits.
  std::error_code sweep() noexcept;
  // Clears every bit (orderly shutdown). Precondition: no write in flight.
  std::error_code clear_all() noexcept;

  // Regions whose bit is set.
  std::vector<std::uint64_t> set_regions() const;
  std::uint64_t set_count() const noexcept;
  // A copy of the on-disk image (whole pages), for a member that joins.
  std::vector<std::byte> image() const;

 private:
  struct Region {
    std::atomic<std::uint32_t> inflight{0};
    std::atomic<bool> set{false};      // the bit is set in memory and on disk
    std::atomic<bool> touched{false};  // a write started since the previous sweep
  };

  void set_image_bit(std::uint64_t bit, bool value) noexcept;
  std::span<const std::byte> page_of(std::uint64_t bit) const noexcept;

  const std::uint64_t bits_;
  const std::uint64_t region_rows_;
  const std::size_t page_bytes_;
  BitmapStore& store_;
  std::unique_ptr<Region[]> regions_;
  // The on-disk image; changed and persisted only under mutex_.
  mutable std::mutex mutex_;
  std::vector<std::byte> image_;
};

}  // namespace uiscsi::target::raid
