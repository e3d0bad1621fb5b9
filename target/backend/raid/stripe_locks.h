// A striped lock table: a fixed array of mutexes, each guarding every stripe key that
// hashes to it. Writes, degraded reads, rebuild and scrub lock the stripe (row or chunk)
// they work on, so they see each other's updates whole, and stripes that hash apart
// proceed in parallel; there is no volume-wide lock on the data path.
//
// Two keys can share a mutex, so a thread must hold at most one stripe lock at a time
// (taking a second could deadlock against itself). Every user works one stripe at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

namespace uiscsi::target::raid {

class StripeLocks {
 public:
  // `count` is rounded up to a power of two.
  explicit StripeLocks(std::size_t count = 1024) : mask_(round_up(count) - 1), locks_(new Slot[mask_ + 1]) {}

  std::unique_lock<std::mutex> lock(std::uint64_t key) noexcept {
    // Fibonacci hashing spreads neighbouring stripes over different mutexes.
    const auto h = static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ull) >> 32);
    return std::unique_lock<std::mutex>(locks_[h & mask_].mutex);
  }

 private:
  // One mutex per cache line, so neighbouring stripes do not contend on a line.
  struct alignas(64) Slot {
    std::mutex mutex;
  };

  static std::size_t round_up(std::size_t n) noexcept {
    std::size_t p = 1;
    while (p < n) p <<= 1;
    return p;
  }

  std::size_t mask_;
  std::unique_ptr<Slot[]> locks_;
};

}  // namespace uiscsi::target::raid
