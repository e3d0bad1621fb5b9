// Helpers shared by the CRC32C tests: the engines this CPU can run, a bit-at-a-time
// reference that shares no code with the engines, and seeded random bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "crc/crc32c.h"

namespace uiscsi::crc::test {

inline std::vector<Engine> available_engines() {
  std::vector<Engine> engines;
  for (Engine e : {Engine::slice8, Engine::sse42, Engine::isal})
    if (available(e)) engines.push_back(e);
  return engines;
}

// One byte through the CRC register, straight from the definition (RFC 3720 B.4:
// reflected polynomial, bit 0 of each byte first).
inline std::uint32_t reference_step(std::uint32_t reg, std::byte b) {
  reg ^= std::to_integer<std::uint32_t>(b);
  for (int bit = 0; bit < 8; ++bit) reg = (reg >> 1) ^ ((reg & 1) ? 0x82F63B78u : 0u);
  return reg;
}

inline std::uint32_t reference_crc32c(std::span<const std::byte> data) {
  std::uint32_t reg = 0xFFFFFFFFu;
  for (std::byte b : data) reg = reference_step(reg, b);
  return ~reg;
}

inline std::vector<std::byte> random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::byte> out(n);
  for (auto& b : out) b = static_cast<std::byte>(rng());
  return out;
}

}  // namespace uiscsi::crc::test
