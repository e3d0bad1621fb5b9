// Big-endian field access on CDBs and parameter data (SPC-4 3.5: multi-byte fields are
// big-endian), and a small builder for parameter data sent back to the initiator.
//
// Readers do no bounds checking: the dispatcher checks the CDB length against the opcode
// table before a handler runs, and parameter-list parsers check lengths before reading.
#pragma once

#include <boost/endian/conversion.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace uiscsi::target::scsi::detail {

inline const unsigned char* uc(std::span<const std::byte> b, std::size_t offset) noexcept {
  return reinterpret_cast<const unsigned char*>(b.data()) + offset;
}

inline std::uint8_t get_u8(std::span<const std::byte> b, std::size_t offset) noexcept {
  return std::to_integer<std::uint8_t>(b[offset]);
}
inline std::uint16_t get_be16(std::span<const std::byte> b, std::size_t offset) noexcept {
  return boost::endian::load_big_u16(uc(b, offset));
}
inline std::uint32_t get_be24(std::span<const std::byte> b, std::size_t offset) noexcept {
  return boost::endian::load_big_u24(uc(b, offset));
}
inline std::uint32_t get_be32(std::span<const std::byte> b, std::size_t offset) noexcept {
  return boost::endian::load_big_u32(uc(b, offset));
}
inline std::uint64_t get_be64(std::span<const std::byte> b, std::size_t offset) noexcept {
  return boost::endian::load_big_u64(uc(b, offset));
}
inline bool get_bit(std::span<const std::byte> b, std::size_t offset, unsigned bit) noexcept {
  return (get_u8(b, offset) >> bit) & 1u;
}

inline void put_be16(std::span<std::byte> b, std::size_t offset, std::uint16_t v) noexcept {
  boost::endian::store_big_u16(reinterpret_cast<unsigned char*>(b.data()) + offset, v);
}
inline void put_be32(std::span<std::byte> b, std::size_t offset, std::uint32_t v) noexcept {
  boost::endian::store_big_u32(reinterpret_cast<unsigned char*>(b.data()) + offset, v);
}
inline void put_be64(std::span<std::byte> b, std::size_t offset, std::uint64_t v) noexcept {
  boost::endian::store_big_u64(reinterpret_cast<unsigned char*>(b.data()) + offset, v);
}

// Appends big-endian fields to a byte vector it owns; patch() fills in length fields once
// the rest is known.
class ByteWriter {
 public:
  ByteWriter& u8(std::uint8_t v) {
    out_.push_back(std::byte{v});
    return *this;
  }
  ByteWriter& be16(std::uint16_t v) { return u8(static_cast<std::uint8_t>(v >> 8)).u8(static_cast<std::uint8_t>(v)); }
  ByteWriter& be32(std::uint32_t v) {
    return be16(static_cast<std::uint16_t>(v >> 16)).be16(static_cast<std::uint16_t>(v));
  }
  ByteWriter& be64(std::uint64_t v) {
    return be32(static_cast<std::uint32_t>(v >> 32)).be32(static_cast<std::uint32_t>(v));
  }
  ByteWriter& zeroes(std::size_t n) {
    out_.insert(out_.end(), n, std::byte{0});
    return *this;
  }
  ByteWriter& bytes(std::span<const std::byte> b) {
    out_.insert(out_.end(), b.begin(), b.end());
    return *this;
  }
  // `text` truncated or space-padded to exactly `width` bytes (SPC-4 4.3.1 ASCII fields).
  ByteWriter& ascii(std::string_view text, std::size_t width) {
    for (std::size_t i = 0; i < width; ++i) u8(i < text.size() ? static_cast<std::uint8_t>(text[i]) : ' ');
    return *this;
  }
  std::size_t size() const noexcept { return out_.size(); }
  void patch_u8(std::size_t offset, std::uint8_t v) { out_[offset] = std::byte{v}; }
  void patch_be16(std::size_t offset, std::uint16_t v) { put_be16(out_, offset, v); }
  void patch_be32(std::size_t offset, std::uint32_t v) { put_be32(out_, offset, v); }
  std::vector<std::byte>& data() noexcept { return out_; }

 private:
  std::vector<std::byte> out_;
};

}  // namespace uiscsi::target::scsi::detail
