#include "target/scsi/detail/range_lock.h"

#include <bit>

namespace uiscsi::target::scsi::detail {

std::uint64_t RangeLock::stripes_of(std::uint64_t lba, std::uint64_t blocks) noexcept {
  if (blocks == 0) return 0;
  const std::uint64_t first = lba / kRegionBlocks;
  const std::uint64_t last = (lba + (blocks - 1)) / kRegionBlocks;
  if (last - first >= kStripes - 1) return ~std::uint64_t{0};
  std::uint64_t mask = 0;
  for (std::uint64_t region = first; region <= last; ++region) mask |= std::uint64_t{1} << (region % kStripes);
  return mask;
}

RangeLock::Guard RangeLock::lock_shared(std::uint64_t lba, std::uint64_t blocks) {
  const std::uint64_t mask = stripes_of(lba, blocks);
  for (std::uint64_t m = mask; m != 0; m &= m - 1) acquire_shared(static_cast<unsigned>(std::countr_zero(m)));
  return Guard(this, mask, false);
}

RangeLock::Guard RangeLock::lock_exclusive(std::uint64_t lba, std::uint64_t blocks) {
  const std::uint64_t mask = stripes_of(lba, blocks);
  for (std::uint64_t m = mask; m != 0; m &= m - 1) acquire_exclusive(static_cast<unsigned>(std::countr_zero(m)));
  return Guard(this, mask, true);
}

RangeLock::Guard::~Guard() {
  if (lock_ == nullptr) return;
  for (std::uint64_t m = stripes_; m != 0; m &= m - 1) {
    const auto stripe = static_cast<unsigned>(std::countr_zero(m));
    if (exclusive_) {
      lock_->release_exclusive(stripe);
    } else {
      lock_->release_shared(stripe);
    }
  }
}

void RangeLock::acquire_shared(unsigned stripe) noexcept {
  std::atomic<std::uint32_t>& word = stripes_[stripe];
  std::uint32_t s = word.load(std::memory_order_relaxed);
  for (;;) {
    if (s & kExclusive) {
      word.wait(s, std::memory_order_relaxed);
      s = word.load(std::memory_order_relaxed);
      continue;
    }
    if (word.compare_exchange_weak(s, s + 1, std::memory_order_acquire, std::memory_order_relaxed)) return;
  }
}

void RangeLock::acquire_exclusive(unsigned stripe) noexcept {
  std::atomic<std::uint32_t>& word = stripes_[stripe];
  std::uint32_t s = word.load(std::memory_order_relaxed);
  // First claim the stripe, which stops new shared holders...
  for (;;) {
    if (s & kExclusive) {
      word.wait(s, std::memory_order_relaxed);
      s = word.load(std::memory_order_relaxed);
      continue;
    }
    if (word.compare_exchange_weak(s, s | kExclusive, std::memory_order_acquire, std::memory_order_relaxed)) break;
  }
  // ...then wait for the writes already in flight to finish.
  for (s = word.load(std::memory_order_acquire); s != kExclusive; s = word.load(std::memory_order_acquire)) {
    word.wait(s, std::memory_order_acquire);
  }
}

void RangeLock::release_shared(unsigned stripe) noexcept {
  std::atomic<std::uint32_t>& word = stripes_[stripe];
  // Only an exclusive waiter cares about the count reaching zero.
  if (word.fetch_sub(1, std::memory_order_release) == (kExclusive | 1)) word.notify_all();
}

void RangeLock::release_exclusive(unsigned stripe) noexcept {
  std::atomic<std::uint32_t>& word = stripes_[stripe];
  word.fetch_and(~kExclusive, std::memory_order_release);
  word.notify_all();
}

}  // namespace uiscsi::target::scsi::detail
