// LUN encoding (SAM-5 4.7). The 8-byte LUN field is handled as one std::uint64_t whose most
// significant byte is byte 0 on the wire, the way iscsi::Bhs::lun() returns it and REPORT
// LUNS lists it.
//
// We use single-level LUNs only: peripheral device addressing (method 00b, bus 0) for LUNs
// 0..255 and flat space addressing (01b) for 256..16383. That is what Linux (scsilun_to_int)
// and LIO produce, so a LUN number means the same thing to both our sides and to them.
#pragma once

#include <cstdint>
#include <optional>

namespace uiscsi::iscsi::scsi {

// The highest LUN flat space addressing can express (14 bits).
inline constexpr std::uint16_t kMaxLun = 16383;

// nullopt for lun > kMaxLun.
constexpr std::optional<std::uint64_t> encode_lun(std::uint16_t lun) noexcept {
  if (lun > kMaxLun) return std::nullopt;
  const std::uint64_t first_level = lun < 256 ? lun : (0x4000u | lun);
  return first_level << 48;
}

// Accepts both single-level forms (a LUN below 256 in flat space form too); nullopt for the
// other addressing methods, a non-zero bus identifier, or anything in levels 2-4, which the
// target answers with LOGICAL UNIT NOT SUPPORTED.
constexpr std::optional<std::uint16_t> decode_lun(std::uint64_t lun_field) noexcept {
  if ((lun_field & 0x0000ffffffffffffu) != 0) return std::nullopt;
  const auto first_level = static_cast<std::uint16_t>(lun_field >> 48);
  switch (first_level >> 14) {
    case 0:  // peripheral device: bus identifier (bits 13-8) must be 0
      if (first_level > 0xff) return std::nullopt;
      return first_level;
    case 1:  // flat space
      return static_cast<std::uint16_t>(first_level & 0x3fff);
    default:
      return std::nullopt;
  }
}

}  // namespace uiscsi::iscsi::scsi
