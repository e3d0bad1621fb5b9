// Makes COMPARE AND WRITE atomic against other writes to the same blocks (SBC-3 5.2: the
// compare and the write are "an uninterrupted series of actions").
//
// The LBA space is cut into regions of kRegionBlocks blocks, hashed onto kStripes stripes.
// Each stripe is a reader/writer lock built on one atomic word: ordinary writes hold it
// shared (one atomic increment and decrement per stripe they touch, no waiting unless a
// COMPARE AND WRITE holds it), COMPARE AND WRITE holds it exclusively. Waiters sleep in
// std::atomic::wait (a futex). Stripes are always taken in ascending order, so two ranges
// can never deadlock; an exclusive request blocks new shared holders first, so a stream
// of writes cannot starve it.
//
// Reads take no lock: a read racing a COMPARE AND WRITE sees the old or the new data.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace uiscsi::target::scsi::detail {

class RangeLock {
 public:
  static constexpr std::uint64_t kRegionBlocks = 2048;
  static constexpr unsigned kStripes = 64;

  // Releases what it holds when it goes away.
  class Guard {
   public:
    Guard(Guard&& other) noexcept : lock_(other.lock_), stripes_(other.stripes_), exclusive_(other.exclusive_) {
      other.lock_ = nullptr;
    }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    Guard& operator=(Guard&&) = delete;
    ~Guard();

   private:
    friend class RangeLock;
    Guard(RangeLock* lock, std::uint64_t stripes, bool exclusive) noexcept
        : lock_(lock), stripes_(stripes), exclusive_(exclusive) {}
    RangeLock* lock_;
    std::uint64_t stripes_;  // bit i: stripe i held
    bool exclusive_;
  };

  // For writes: blocks only while a COMPARE AND WRITE holds one of the stripes.
  [[nodiscard]] Guard lock_shared(std::uint64_t lba, std::uint64_t blocks);
  // For COMPARE AND WRITE: waits until no other write holds any stripe of the range.
  [[nodiscard]] Guard lock_exclusive(std::uint64_t lba, std::uint64_t blocks);

 private:
  static constexpr std::uint32_t kExclusive = 0x80000000u;  // rest of the word: shared holders

  static std::uint64_t stripes_of(std::uint64_t lba, std::uint64_t blocks) noexcept;
  void acquire_shared(unsigned stripe) noexcept;
  void acquire_exclusive(unsigned stripe) noexcept;
  void release_shared(unsigned stripe) noexcept;
  void release_exclusive(unsigned stripe) noexcept;

  std::array<std::atomic<std::uint32_t>, kStripes> stripes_{};
};

}  // namespace uiscsi::target::scsi::detail
