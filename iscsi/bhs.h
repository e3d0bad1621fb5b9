// The Basic Header Segment: the fixed 48-byte head of every iSCSI PDU (RFC 7143 11.2.1).
//
// Bhs is a plain byte array with accessors for the fields every PDU shares. All
// multi-byte fields are big-endian on the wire. Opcode-specific fields are read and written
// by the typed PDU structs (iscsi/pdu_*.h), which encode to and decode from a Bhs.
//
// PDU layout (RFC 7143 11.1):
//   BHS (48) | AHS (TotalAHSLength * 4) | HeaderDigest (0/4) |
//   DataSegment (DataSegmentLength) | pad to 4 | DataDigest (0/4, only if DataSegmentLength > 0)
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "iscsi/detail/byte_order.h"
#include "iscsi/opcode.h"

namespace uiscsi::iscsi {

inline constexpr std::size_t kBhsLength = 48;
// TotalAHSLength is one byte counting 4-byte words (RFC 7143 11.2.1.4).
inline constexpr std::size_t kMaxAhsLength = 255 * 4;
// DataSegmentLength is a 24-bit field (RFC 7143 11.2.1.5).
inline constexpr std::uint32_t kMaxDataSegmentLength = 0xffffff;
// The "reserved" tag value (ITT of unsolicited target PDUs, TTT when no reply is wanted).
inline constexpr std::uint32_t kReservedTag = 0xffffffff;

// Bytes of padding that follow `length` bytes of a 4-byte-aligned segment (RFC 7143 11.1).
constexpr std::size_t padding_length(std::size_t length) noexcept { return (4 - length % 4) % 4; }

struct Bhs {
  std::array<std::byte, kBhsLength> raw{};

  // Byte 0: .|I|Opcode (RFC 7143 11.2.1.1–11.2.1.2).
  Opcode opcode() const noexcept { return Opcode{static_cast<std::uint8_t>(u8(0) & kOpcodeMask)}; }
  void set_opcode(Opcode op) noexcept {
    set_u8(0, static_cast<std::uint8_t>((u8(0) & ~kOpcodeMask) | static_cast<std::uint8_t>(op)));
  }
  // I bit: immediate delivery (initiator PDUs only; RFC 7143 11.2.1.1).
  bool immediate() const noexcept { return bit(0, 0x40); }
  void set_immediate(bool on) noexcept { set_bit(0, 0x40, on); }
  // F bit: final PDU of a sequence (RFC 7143 11.2.1.3).
  bool final() const noexcept { return bit(1, 0x80); }
  void set_final(bool on) noexcept { set_bit(1, 0x80, on); }

  // TotalAHSLength in 4-byte words, and in bytes.
  std::uint8_t total_ahs_length() const noexcept { return u8(4); }
  std::size_t ahs_bytes() const noexcept { return std::size_t{total_ahs_length()} * 4; }
  void set_total_ahs_length(std::uint8_t words) noexcept { set_u8(4, words); }

  // DataSegmentLength in bytes, without padding and digest (24 bits).
  std::uint32_t data_segment_length() const noexcept { return detail::load_be24(&raw[5]); }
  // Precondition: length <= kMaxDataSegmentLength (higher bits are dropped).
  void set_data_segment_length(std::uint32_t length) noexcept { detail::store_be24(&raw[5], length); }

  // Bytes 8–15: the LUN in SAM-2 8-byte format, kept as one big-endian integer
  // (addressing-method interpretation belongs to the SCSI layer). Opcode-specific in some PDUs.
  std::uint64_t lun() const noexcept { return detail::load_be64(&raw[8]); }
  void set_lun(std::uint64_t lun) noexcept { detail::store_be64(&raw[8], lun); }

  // Bytes 16–19: Initiator Task Tag (RFC 7143 11.2.1.8).
  std::uint32_t initiator_task_tag() const noexcept { return detail::load_be32(&raw[16]); }
  void set_initiator_task_tag(std::uint32_t itt) noexcept { detail::store_be32(&raw[16], itt); }

  // Raw access at a byte offset, for the typed codecs. Precondition: the field fits in 48 bytes.
  std::uint8_t u8(std::size_t off) const noexcept { return detail::load_u8(&raw[off]); }
  std::uint16_t u16(std::size_t off) const noexcept { return detail::load_be16(&raw[off]); }
  std::uint32_t u32(std::size_t off) const noexcept { return detail::load_be32(&raw[off]); }
  std::uint64_t u64(std::size_t off) const noexcept { return detail::load_be64(&raw[off]); }
  void set_u8(std::size_t off, std::uint8_t v) noexcept { detail::store_u8(&raw[off], v); }
  void set_u16(std::size_t off, std::uint16_t v) noexcept { detail::store_be16(&raw[off], v); }
  void set_u32(std::size_t off, std::uint32_t v) noexcept { detail::store_be32(&raw[off], v); }
  void set_u64(std::size_t off, std::uint64_t v) noexcept { detail::store_be64(&raw[off], v); }
  bool bit(std::size_t off, std::uint8_t mask) const noexcept { return (u8(off) & mask) != 0; }
  void set_bit(std::size_t off, std::uint8_t mask, bool on) noexcept {
    set_u8(off, static_cast<std::uint8_t>(on ? (u8(off) | mask) : (u8(off) & ~mask)));
  }

  friend bool operator==(const Bhs&, const Bhs&) = default;
};

}  // namespace uiscsi::iscsi
