// The CRC32C engines behind crc/crc32c.h. Each one advances a raw CRC register (not
// inverted: the public entry points do the pre- and post-inversion) over `size` bytes at
// `data`, which may have any alignment. The caller keeps ownership of the bytes; engines
// only read them during the call.
#pragma once

#include <cstddef>
#include <cstdint>

namespace uiscsi::crc::detail {

// Reflected CRC32C polynomial (0x1EDC6F41 with its bits reversed).
inline constexpr std::uint32_t kPolyReflected = 0x82F63B78;

// Portable slicing-by-8; runs everywhere.
std::uint32_t slice8_update(std::uint32_t reg, const std::byte* data, std::size_t size) noexcept;
// SSE4.2 `crc32` instruction, 3-way interleaved, combined with PCLMULQDQ.
// Precondition: the CPU has SSE4.2 and PCLMULQDQ.
std::uint32_t sse42_update(std::uint32_t reg, const std::byte* data, std::size_t size) noexcept;
// ISA-L's crc32_iscsi, which picks its own best code path for this CPU.
std::uint32_t isal_update(std::uint32_t reg, const std::byte* data, std::size_t size) noexcept;

}  // namespace uiscsi::crc::detail
