// Errors of the text codec (RFC 7143 6.1): the key=value data segment of Login and Text
// PDUs, the value encodings (numbers, binary values, booleans) and multi-PDU continuation.
//
// Every one of them means the peer sent malformed text: the login layer answers a Login
// Request with "initiator error" (RFC 7143 11.13.5) and a Text Request with a Reject
// (protocol error); the initiator drops the connection.
#pragma once

#include <system_error>

namespace uiscsi::iscsi {

enum class text_errc {
  // The data ends inside a key=value pair: every pair, the last one too, must be followed
  // by one NUL (RFC 7143 6.1).
  missing_terminator = 1,
  // A pair has no '=' between key and value.
  missing_equals,
  // The key name is empty, longer than 63 bytes, does not begin with a capital letter, or
  // contains a byte outside the standard-label set (RFC 7143 6.1).
  invalid_key,
  // The value is longer than the limit for its key (255 bytes, 8192 for large values).
  value_too_long,
  // Serializer: a value contains a NUL byte, which would end the pair early.
  value_contains_nul,
  // Continuation: the logical text data segment grew beyond the accumulator's limit.
  text_too_long,
  // Continuation: append() after the final (C=0) segment, before take() or reset().
  text_already_complete,
  // Continuation: take() before the final (C=0) segment arrived.
  text_incomplete,
  // Continuation: a segment size of 0 was asked for.
  invalid_segment_size,
  // Not a decimal-constant, hex-constant or base64-constant (RFC 7143 6.1).
  invalid_number,
  // A numerical-value of 2^64 or more.
  number_out_of_range,
  // Not a hex-constant or base64-constant binary-value.
  invalid_binary,
  // Not "Yes" or "No" (the comparison is case-sensitive).
  invalid_boolean,
};

const std::error_category& text_category() noexcept;
std::error_code make_error_code(text_errc e) noexcept;

}  // namespace uiscsi::iscsi

template <>
struct std::is_error_code_enum<uiscsi::iscsi::text_errc> : std::true_type {};
