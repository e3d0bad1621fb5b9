// The value encodings of RFC 7143 6.1: numbers, binary strings, booleans and lists.
//
//   decimal-constant   "0" or digits, e.g. 8192 (leading zeros are tolerated)
//   hex-constant       "0x" or "0X" and hex digits, e.g. 0x2000
//   base64-constant    "0b" or "0B" and RFC 4648 base64, e.g. 0bAAAgAA==
//   boolean-value      "Yes" or "No", case-sensitive
//   list-of-values     values separated by commas, e.g. CRC32C,None
//
// A numerical-value is below 2^64; a binary-value (e.g. the CHAP challenge) has an
// implicit byte length: a hex-constant of n digits is (n + 1) / 2 bytes (an odd first digit
// stands alone in the first byte), a base64-constant of n characters without the trailing
// '=' is n * 3 / 4 bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "iscsi/text_error.h"

namespace uiscsi::iscsi {

// A numerical-value in decimal, hex or base64 form. Errors: invalid_number,
// number_out_of_range (2^64 or more). `out` is written only on success.
std::error_code parse_number(std::string_view text, std::uint64_t& out);
// Decimal, the form the RFC's examples use (MaxBurstLength=262144).
std::string format_number(std::uint64_t value);

// A binary-value in hex or base64 form; replaces the contents of `out`. Errors:
// invalid_binary. `out` is written only on success.
std::error_code parse_binary(std::string_view text, std::vector<std::byte>& out);
// "0x" and two lower-case hex digits per byte. A constant has at least one digit, so an
// empty span is encoded as one zero byte ("0x0").
std::string format_hex(std::span<const std::byte> bytes);
// "0b" and padded RFC 4648 base64; an empty span is encoded as one zero byte ("0bAA==").
std::string format_base64(std::span<const std::byte> bytes);

// "Yes" or "No". Errors: invalid_boolean.
std::error_code parse_boolean(std::string_view text, bool& out) noexcept;
std::string_view format_boolean(bool value) noexcept;

// The non-empty items of a list-of-values, in order, as views into `value`.
std::vector<std::string_view> split_list(std::string_view value);

}  // namespace uiscsi::iscsi
