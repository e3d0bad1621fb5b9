// The key=value text of Login and Text PDUs (RFC 7143 6.1): a parser of one complete
// logical text data segment (LTDS) into ordered pairs, and the serializer back.
//
// Wire form: "key=value\0key=value\0...". The key is everything before the first '=', the
// value everything after it up to the NUL; every pair, the last one too, ends with one
// NUL. Keys are case-sensitive standard-labels of at most 63 bytes; values are at most 255
// bytes, or 8192 for large binary values and unknown keys (iscsi/keys.h, max_value_length).
//
// The codec only checks the form. Whether a key is known, allowed or duplicated, and
// whether its value makes sense, is the negotiator's job (iscsi/negotiation.h). Keys that
// may repeat (TargetName / TargetAddress in a SendTargets response) keep their order.
//
// A text split across PDUs with the C bit is joined first (iscsi/text_continuation.h).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "iscsi/text_error.h"

namespace uiscsi::iscsi {

// One key=value pair. Owns its strings: parsed pairs never point into the PDU buffer.
struct TextPair {
  std::string key;
  std::string value;

  friend bool operator==(const TextPair&, const TextPair&) = default;
};
using TextPairs = std::vector<TextPair>;

// Parses one complete LTDS and appends its pairs to `out` in wire order. `data` is only
// read during the call. On error `out` is left as it was.
//
// Empty entries (a NUL right after the previous NUL) are skipped: some initiators pad the
// data segment with NULs inside DataSegmentLength, and an empty string is no pair.
std::error_code parse_text(std::span<const std::byte> data, TextPairs& out);

// Whether `key` is a valid key name: 1 to 63 bytes, a letter first, then letters, digits,
// '.', '-', '+', '@' and '_' (RFC 7143 6.1); "X#" may also start a registered public
// extension key (RFC 7143 13.26, X#NodeArchitecture). RFC 7143 6.1 wants a capital first,
// but its own iSCSIProtocolLevel begins with a small letter.
bool valid_key_name(std::string_view key) noexcept;

// Appends "key=value\0" for every pair to `out`. The pairs are checked as parse_text would
// check them, so we never send what we would refuse; on error `out` is left as it was.
std::error_code serialize_text(std::span<const TextPair> pairs, std::vector<std::byte>& out);

// The number of bytes serialize_text appends for `pairs`.
std::size_t serialized_size(std::span<const TextPair> pairs) noexcept;

// The first pair whose key is `key`, or nullptr. The login layer uses it to read
// InitiatorName, TargetName and SessionType from the first Login Request before it picks
// the settings to negotiate with.
const TextPair* find_pair(std::span<const TextPair> pairs, std::string_view key) noexcept;

}  // namespace uiscsi::iscsi
