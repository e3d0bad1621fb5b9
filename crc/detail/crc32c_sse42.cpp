// CRC32C with the SSE4.2 `crc32` instruction, three streams at a time.
//
// `crc32` has a latency of 3 cycles but a throughput of one per cycle, so a single chain
// of dependent instructions leaves two thirds of the unit idle. We split a block into three
// equal streams, run three independent chains, and merge them with carry-less multiplies.
//
// This file alone is compiled with -msse4.2 -mpclmul (crc/CMakeLists.txt) and is reached
// only after CPUID said yes. It therefore includes no C++ library headers: an inline
// function instantiated here could be compiled with those instructions and then chosen by
// the linker for callers that run on any CPU.
#include <nmmintrin.h>
#include <wmmintrin.h>

#include <cstring>

#include "crc/detail/crc32c_engines.h"

namespace uiscsi::crc::detail {
namespace {

// Polynomials are reflected: bit 31 holds the coefficient of x^0, bit 0 that of x^31.
constexpr std::uint32_t kXPow0 = 0x80000000u;

constexpr std::uint32_t times_x(std::uint32_t a) {
  return (a >> 1) ^ ((a & 1) ? kPolyReflected : 0);
}

// a(x)·b(x) mod P(x).
constexpr std::uint32_t mul_mod(std::uint32_t a, std::uint32_t b) {
  std::uint32_t product = 0;
  for (int i = 0; i < 32; ++i, b = times_x(b))
    if (a & (kXPow0 >> i)) product ^= b;
  return product;
}

// x^n mod P(x), by square-and-multiply.
constexpr std::uint32_t x_pow_mod(std::uint64_t n) {
  std::uint32_t result = kXPow0;
  for (std::uint32_t base = times_x(kXPow0); n != 0; n >>= 1, base = mul_mod(base, base))
    if (n & 1) result = mul_mod(result, base);
  return result;
}

// Multiplying two reflected 32-bit polynomials with PCLMULQDQ yields a 64-bit reflected
// value V = x·a·k, and crc32(0, V) = V·x^32 mod P. So crc32(0, clmul(a, x^(n-33))) is
// a·x^n mod P: the register `a` advanced over n zero bits.
struct Shift {
  std::uint32_t over_one_stream;   // x^(8L-33): advance over L bytes
  std::uint32_t over_two_streams;  // x^(16L-33): advance over 2L bytes
};

constexpr Shift shift_for(std::size_t stream_bytes) {
  return {x_pow_mod(8 * stream_bytes - 33), x_pow_mod(16 * stream_bytes - 33)};
}

// Two block sizes: long streams amortise the merge; short ones keep mid-sized inputs
// (a 4 KiB data segment) off the slow one-chain tail. Both are multiples of 8, so streams
// stay 8-byte aligned once the start is.
constexpr std::size_t kLongStream = 8192;
constexpr std::size_t kShortStream = 256;
constexpr Shift kLongShift = shift_for(kLongStream);
constexpr Shift kShortShift = shift_for(kShortStream);

std::uint64_t load64(const std::byte* p) {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

// Advances `reg` over the 3·stream bytes at p.
std::uint32_t update_3way(std::uint32_t reg, const std::byte* p, std::size_t stream,
                          const Shift& shift) {
  std::uint64_t c0 = reg, c1 = 0, c2 = 0;
  const std::byte* const end = p + stream;
  for (; p != end; p += 8) {
    c0 = _mm_crc32_u64(c0, load64(p));
    c1 = _mm_crc32_u64(c1, load64(p + stream));
    c2 = _mm_crc32_u64(c2, load64(p + 2 * stream));
  }
  // reg over s0 s1 s2 = c0·x^(16L) + c1·x^(8L) + c2, where c1 and c2 started from zero.
  const __m128i a = _mm_clmulepi64_si128(_mm_cvtsi32_si128(static_cast<int>(c0)),
                                         _mm_cvtsi32_si128(static_cast<int>(shift.over_two_streams)), 0);
  const __m128i b = _mm_clmulepi64_si128(_mm_cvtsi32_si128(static_cast<int>(c1)),
                                         _mm_cvtsi32_si128(static_cast<int>(shift.over_one_stream)), 0);
  const auto folded = static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm_xor_si128(a, b)));
  return static_cast<std::uint32_t>(_mm_crc32_u64(0, folded) ^ c2);
}

}  // namespace

std::uint32_t sse42_update(std::uint32_t reg, const std::byte* data, std::size_t size) noexcept {
  // Single bytes up to an 8-byte boundary, so no word load straddles a cache line.
  for (; size > 0 && (reinterpret_cast<std::uintptr_t>(data) & 7) != 0; ++data, --size)
    reg = _mm_crc32_u8(reg, static_cast<unsigned char>(*data));
  for (; size >= 3 * kLongStream; data += 3 * kLongStream, size -= 3 * kLongStream)
    reg = update_3way(reg, data, kLongStream, kLongShift);
  for (; size >= 3 * kShortStream; data += 3 * kShortStream, size -= 3 * kShortStream)
    reg = update_3way(reg, data, kShortStream, kShortShift);
  std::uint64_t reg64 = reg;
  for (; size >= 8; data += 8, size -= 8) reg64 = _mm_crc32_u64(reg64, load64(data));
  reg = static_cast<std::uint32_t>(reg64);
  for (; size > 0; ++data, --size) reg = _mm_crc32_u8(reg, static_cast<unsigned char>(*data));
  return reg;
}

}  // namespace uiscsi::crc::detail
