// Internal to the CHAP state machines (iscsi/chap_target.cpp, iscsi/chap_initiator.cpp):
// sorting the CHAP keys of one message, value parsing with CHAP's limits, randomness,
// configuration checks and secret wiping.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "iscsi/chap.h"

namespace uiscsi::iscsi::detail {

// Key bits for the set of keys a step allows or requires.
enum ChapKeyBit : unsigned { kBitA = 1, kBitI = 2, kBitC = 4, kBitN = 8, kBitR = 16 };

// The CHAP values of one message, as views into the caller's pairs.
struct ChapKeys {
  std::optional<std::string_view> a, i, c, n, r;
};

// Picks the CHAP_* pairs out of `in` (other keys are the negotiator's and are ignored).
// duplicate_key for a repeated key, unexpected_key for a CHAP key outside `allowed`,
// missing_key for one of `required` that is absent.
std::error_code collect_chap_keys(std::span<const TextPair> in, unsigned allowed, unsigned required,
                                  ChapKeys& out);

// CHAP_I: a number (decimal or hex) in 0..255.
std::error_code parse_identifier(std::string_view value, std::uint8_t& out);
// A CHAP_C of min_length..1024 bytes.
std::error_code parse_challenge(std::string_view value, std::size_t min_length, std::vector<std::byte>& out);
// A CHAP_R of exactly `length` bytes.
std::error_code parse_response(std::string_view value, std::size_t length, std::vector<std::byte>& out);

std::string format_binary(std::span<const std::byte> bytes, ChapEncoding encoding);

// RAND_bytes into `out`; crypto_failure when the generator fails.
std::error_code random_bytes(std::span<std::byte> out);

// Checks a side's configuration: non-empty names and secrets, distinct secrets for the two
// directions, a sane minimum challenge length; and drops algorithms OpenSSL lacks from
// `algorithms` (invalid_config if none is left).
std::error_code validate_chap_config(std::vector<ChapAlgorithm>& algorithms, const ChapCredentials& own,
                                     const std::optional<ChapCredentials>& other, std::size_t min_challenge_length);

// Constant-time equality for responses of equal, public length.
bool equal_responses(std::span<const std::byte> a, std::span<const std::byte> b) noexcept;

void wipe(std::vector<std::byte>& secret) noexcept;

}  // namespace uiscsi::iscsi::detail
