#include "bench/crc_baseline.h"

#include <nmmintrin.h>

#include <cstring>

namespace uiscsi::bench {

// The target attribute enables SSE4.2 for this function only; callers check CPUID first.
__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42_1way(
    std::span<const std::byte> data) noexcept {
  const std::byte* p = data.data();
  std::size_t n = data.size();
  std::uint64_t reg = 0xFFFFFFFFu;
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, sizeof word);
    reg = _mm_crc32_u64(reg, word);
  }
  auto reg32 = static_cast<std::uint32_t>(reg);
  for (; n > 0; ++p, --n) reg32 = _mm_crc32_u8(reg32, static_cast<unsigned char>(*p));
  return ~reg32;
}

}  // namespace uiscsi::bench
