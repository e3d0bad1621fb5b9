// Big-endian ("network order", RFC 7143 11.1) field access on raw PDU bytes, plus the
// little-endian form the CRC32C digests use on the wire (see iscsi/digest.h).
//
// Internal to iscsi/: the typed PDU codecs are its only users. Callers pass the exact
// offset; bounds are the caller's contract (the BHS is a fixed 48-byte array).
#pragma once

#include <cstddef>
#include <cstdint>

namespace uiscsi::iscsi::detail {

inline std::uint8_t load_u8(const std::byte* p) noexcept { return std::to_integer<std::uint8_t>(p[0]); }

inline std::uint16_t load_be16(const std::byte* p) noexcept {
  return static_cast<std::uint16_t>((load_u8(p) << 8) | load_u8(p + 1));
}

// DataSegmentLength is a 24-bit field (RFC 7143 11.2.1.5).
inline std::uint32_t load_be24(const std::byte* p) noexcept {
  return (std::uint32_t{load_u8(p)} << 16) | (std::uint32_t{load_u8(p + 1)} << 8) | load_u8(p + 2);
}

inline std::uint32_t load_be32(const std::byte* p) noexcept {
  return (std::uint32_t{load_be16(p)} << 16) | load_be16(p + 2);
}

inline std::uint64_t load_be64(const std::byte* p) noexcept {
  return (std::uint64_t{load_be32(p)} << 32) | load_be32(p + 4);
}

inline std::uint32_t load_le32(const std::byte* p) noexcept {
  return std::uint32_t{load_u8(p)} | (std::uint32_t{load_u8(p + 1)} << 8) |
         (std::uint32_t{load_u8(p + 2)} << 16) | (std::uint32_t{load_u8(p + 3)} << 24);
}

inline void store_u8(std::byte* p, std::uint8_t v) noexcept { p[0] = std::byte{v}; }

inline void store_be16(std::byte* p, std::uint16_t v) noexcept {
  p[0] = std::byte(v >> 8);
  p[1] = std::byte(v);
}

inline void store_be24(std::byte* p, std::uint32_t v) noexcept {
  p[0] = std::byte(v >> 16);
  p[1] = std::byte(v >> 8);
  p[2] = std::byte(v);
}

inline void store_be32(std::byte* p, std::uint32_t v) noexcept {
  store_be16(p, static_cast<std::uint16_t>(v >> 16));
  store_be16(p + 2, static_cast<std::uint16_t>(v));
}

inline void store_be64(std::byte* p, std::uint64_t v) noexcept {
  store_be32(p, static_cast<std::uint32_t>(v >> 32));
  store_be32(p + 4, static_cast<std::uint32_t>(v));
}

inline void store_le32(std::byte* p, std::uint32_t v) noexcept {
  p[0] = std::byte(v);
  p[1] = std::byte(v >> 8);
  p[2] = std::byte(v >> 16);
  p[3] = std::byte(v >> 24);
}

}  // namespace uiscsi::iscsi::detail
