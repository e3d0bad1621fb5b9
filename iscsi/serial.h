// Serial-number arithmetic (RFC 1982, SERIAL_BITS = 32) for the iSCSI sequence numbers
// CmdSN, ExpCmdSN, MaxCmdSN, StatSN, ExpStatSN, DataSN and R2TSN (RFC 7143 4.2.2.1,
// 11.1: "all sequence numbers ... are compared using serial number arithmetic").
//
// Free constexpr functions on std::uint32_t rather than a strong type: the PDU structs
// carry these fields as plain uint32_t, and the comparisons are the only place where the
// arithmetic differs from ordinary integers. A wrapper type would force a conversion at
// every header field access for no extra safety in the comparisons themselves.
//
// The undefined case. RFC 1982 3.2 leaves the comparison of two numbers exactly 2^31 apart
// undefined: neither is less than the other. We make it explicit and conservative:
// serial_compare() returns std::partial_ordering::unordered, and serial_lt/le/gt/ge are
// all false for such a pair. Every window check is then false, so a sequence number 2^31
// away from the window edge is treated as out of window (the PDU is dropped or the
// connection fails) rather than silently accepted on either side.
#pragma once

#include <compare>
#include <cstdint>

namespace uiscsi::iscsi {

// Half the 32-bit sequence space: the largest distance that still has a defined order.
inline constexpr std::uint32_t kSerialHalf = 0x80000000u;

// Three-way comparison in serial space: `a < b` iff b is 1..2^31-1 steps ahead of a.
constexpr std::partial_ordering serial_compare(std::uint32_t a, std::uint32_t b) noexcept {
  // Unsigned subtraction is the modular distance from a forward to b.
  const std::uint32_t ahead = b - a;
  if (ahead == 0) return std::partial_ordering::equivalent;
  if (ahead < kSerialHalf) return std::partial_ordering::less;
  if (ahead > kSerialHalf) return std::partial_ordering::greater;
  return std::partial_ordering::unordered;  // exactly 2^31 apart (RFC 1982 3.2)
}

constexpr bool serial_lt(std::uint32_t a, std::uint32_t b) noexcept { return serial_compare(a, b) < 0; }
constexpr bool serial_le(std::uint32_t a, std::uint32_t b) noexcept { return serial_compare(a, b) <= 0; }
constexpr bool serial_gt(std::uint32_t a, std::uint32_t b) noexcept { return serial_compare(a, b) > 0; }
constexpr bool serial_ge(std::uint32_t a, std::uint32_t b) noexcept { return serial_compare(a, b) >= 0; }

// RFC 1982 3.1 addition. Adding n >= 2^31 is undefined there; the iSCSI counters only ever
// advance by small steps, so the function simply wraps modulo 2^32.
constexpr std::uint32_t serial_add(std::uint32_t a, std::uint32_t n) noexcept { return a + n; }

// first <= sn <= last in serial space: e.g. ExpCmdSN <= CmdSN <= MaxCmdSN for a
// non-immediate command (RFC 7143 4.2.2.1). An empty window (last == first - 1, the
// "window closed" state) contains nothing.
constexpr bool serial_in_window(std::uint32_t first, std::uint32_t sn, std::uint32_t last) noexcept {
  return serial_le(first, sn) && serial_le(sn, last);
}

// Whether a target's (ExpCmdSN, MaxCmdSN) pair is usable: RFC 7143 4.2.2.1 says the
// initiator ignores both when MaxCmdSN < ExpCmdSN - 1 (serial). MaxCmdSN == ExpCmdSN - 1
// is valid and means the command window is zero.
constexpr bool cmd_window_valid(std::uint32_t exp_cmd_sn, std::uint32_t max_cmd_sn) noexcept {
  return serial_ge(max_cmd_sn, exp_cmd_sn - 1);
}

// Number of CmdSNs the initiator may still send: MaxCmdSN - ExpCmdSN + 1, or 0 when the
// pair is not valid (see cmd_window_valid).
constexpr std::uint32_t cmd_window_size(std::uint32_t exp_cmd_sn, std::uint32_t max_cmd_sn) noexcept {
  return cmd_window_valid(exp_cmd_sn, max_cmd_sn) ? max_cmd_sn - exp_cmd_sn + 1 : 0;
}

}  // namespace uiscsi::iscsi
