// Slicing-by-8 CRC32C: eight 256-entry tables let one step fold eight input bytes with
// eight independent lookups instead of eight dependent ones.
#include <bit>
#include <cstring>

#include "crc/detail/crc32c_engines.h"

namespace uiscsi::crc::detail {
namespace {

// t[0] is the classic byte-at-a-time table; t[k][b] is the register after byte b followed
// by k zero bytes, so the lookups for the eight bytes of a word can be XORed. Plain arrays
// rather than std::array: unoptimised (sanitizer) builds would otherwise make a function
// call per lookup, and every test in the project computes CRCs.
struct Tables {
  std::uint32_t t[8][256];
};

consteval Tables make_tables() {
  Tables tables{};
  auto& t = tables.t;
  for (std::uint32_t b = 0; b < 256; ++b) {
    std::uint32_t r = b;
    for (int bit = 0; bit < 8; ++bit) r = (r >> 1) ^ ((r & 1) ? kPolyReflected : 0);
    t[0][b] = r;
  }
  for (std::size_t k = 1; k < 8; ++k)
    for (std::size_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFF];
  return tables;
}

constexpr Tables kTables = make_tables();

std::uint32_t update_bytes(std::uint32_t reg, const std::byte* p, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i)
    reg = (reg >> 8) ^ kTables.t[0][(reg ^ std::to_integer<std::uint32_t>(p[i])) & 0xFF];
  return reg;
}

// The algorithm consumes the word least significant byte first, i.e. in memory order on a
// little-endian CPU; memcpy keeps the load legal at any alignment.
std::uint64_t load_le64(const std::byte* p) noexcept {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof w);
  if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
  return w;
}

}  // namespace

std::uint32_t slice8_update(std::uint32_t reg, const std::byte* data, std::size_t size) noexcept {
  const auto& t = kTables.t;
  while (size >= 8) {
    const std::uint64_t w = load_le64(data) ^ reg;
    reg = t[7][w & 0xFF] ^ t[6][(w >> 8) & 0xFF] ^ t[5][(w >> 16) & 0xFF] ^
          t[4][(w >> 24) & 0xFF] ^ t[3][(w >> 32) & 0xFF] ^ t[2][(w >> 40) & 0xFF] ^
          t[1][(w >> 48) & 0xFF] ^ t[0][w >> 56];
    data += 8;
    size -= 8;
  }
  return update_bytes(reg, data, size);
}

}  // namespace uiscsi::crc::detail
