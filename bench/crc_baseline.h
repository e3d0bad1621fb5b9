// The plain one-chain SSE4.2 CRC32C loop: the baseline that shows what the 3-way
// interleaving of crc/detail/crc32c_sse42.cpp gains. Benchmark use only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace uiscsi::bench {

// Finished CRC32C of `data`, one dependent `crc32` instruction per 8 bytes.
// Precondition: uiscsi::crc::available(uiscsi::crc::Engine::sse42).
std::uint32_t crc32c_sse42_1way(std::span<const std::byte> data) noexcept;

}  // namespace uiscsi::bench
