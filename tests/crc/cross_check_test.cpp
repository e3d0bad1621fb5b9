// Every engine against the bit-at-a-time reference: every length up to 4 KiB at every
// start alignment within a cache line, the engines' block boundaries, and a length past
// INT_MAX.
#include <catch2/catch.hpp>

#include <sys/mman.h>

#include <climits>

#include "crc_test_support.h"

namespace uiscsi::crc::test {

TEST_CASE("every length 0..4096 at every alignment 0..63", "[crc]") {
  constexpr std::size_t kMaxLength = 4096;
  constexpr std::size_t kAlignments = 64;
  const auto engines = available_engines();
  // One allocation aligned to 64 so that offset a really is alignment a.
  const auto random = random_bytes(kMaxLength + kAlignments, 1);
  alignas(64) static std::byte buffer[kMaxLength + kAlignments];
  std::copy(random.begin(), random.end(), buffer);

  std::size_t mismatches = 0;
  for (std::size_t align = 0; align < kAlignments; ++align) {
    // The reference grows one byte at a time, so the whole sweep costs O(length) for it.
    std::uint32_t reg = 0xFFFFFFFFu;
    for (std::size_t length = 0; length <= kMaxLength; ++length) {
      if (length > 0) reg = reference_step(reg, buffer[align + length - 1]);
      const std::span<const std::byte> data(buffer + align, length);
      for (Engine e : engines) {
        if (crc32c(e, data) != ~reg) {
          // Report only the first few; one failure usually repeats thousands of times.
          if (++mismatches <= 5) FAIL_CHECK(name(e) << " length " << length << " align " << align);
        }
      }
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("lengths around the interleaved block sizes", "[crc]") {
  // The SSE4.2 engine works in blocks of 3 x 8 KiB and 3 x 256 bytes; probe both sides
  // of a few multiples of each, plus the start offsets that shift the aligned prologue.
  const auto data = random_bytes(4 * 3 * 8192 + 64, 2);
  const auto engines = available_engines();
  for (std::size_t block : {3 * 256, 3 * 8192}) {
    for (std::size_t k = 1; k <= 4; ++k) {
      for (std::size_t delta = 0; delta <= 16; ++delta) {
        for (std::size_t offset : {0, 1, 7}) {
          const std::size_t length = k * block + delta - 8;
          if (offset + length > data.size()) continue;
          const std::span<const std::byte> span(data.data() + offset, length);
          const std::uint32_t expected = reference_crc32c(span);
          for (Engine e : engines) {
            CAPTURE(name(e), length, offset);
            REQUIRE(crc32c(e, span) == expected);
          }
        }
      }
    }
  }
}

TEST_CASE("a buffer longer than INT_MAX", "[crc]") {
  // ISA-L takes an int length, so the wrapper has to split. Zero pages cost no memory,
  // and the CRC of zeros has a closed form: the register advanced over n zero bytes is
  // reg * x^(8n) mod P, computed here by square-and-multiply.
  constexpr std::size_t kLength = std::size_t{INT_MAX} + 4097;
  void* mem = mmap(nullptr, kLength, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  REQUIRE(mem != MAP_FAILED);
  const std::span<const std::byte> zeros(static_cast<const std::byte*>(mem), kLength);

  const auto times_x = [](std::uint32_t a) { return (a >> 1) ^ ((a & 1) ? 0x82F63B78u : 0u); };
  const auto mul_mod = [&](std::uint32_t a, std::uint32_t b) {
    std::uint32_t product = 0;
    for (int i = 0; i < 32; ++i, b = times_x(b))
      if (a & (0x80000000u >> i)) product ^= b;
    return product;
  };
  std::uint32_t x_pow = 0x80000000u;  // reflected x^0
  std::uint32_t base = times_x(0x80000000u);
  for (std::uint64_t n = 8 * std::uint64_t{kLength}; n != 0; n >>= 1, base = mul_mod(base, base))
    if (n & 1) x_pow = mul_mod(x_pow, base);
  const std::uint32_t prev = 0x12345678u;
  const std::uint32_t expected = ~mul_mod(~prev, x_pow);

  CHECK(crc32c(Engine::isal, zeros, prev) == expected);
  if (available(Engine::sse42)) CHECK(crc32c(Engine::sse42, zeros, prev) == expected);
  munmap(mem, kLength);
}

}  // namespace uiscsi::crc::test
