#include "iscsi/detail/chap_keys.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>

#include "iscsi/text_values.h"

namespace uiscsi::iscsi::detail {
namespace {

struct KeyName {
  std::string_view name;
  ChapKeyBit bit;
  std::optional<std::string_view> ChapKeys::*slot;
};

constexpr KeyName kKeys[] = {
    {kChapA, kBitA, &ChapKeys::a}, {kChapI, kBitI, &ChapKeys::i}, {kChapC, kBitC, &ChapKeys::c},
    {kChapN, kBitN, &ChapKeys::n}, {kChapR, kBitR, &ChapKeys::r},
};

constexpr std::string_view kChapPrefix = "CHAP_";

}  // namespace

std::error_code collect_chap_keys(std::span<const TextPair> in, unsigned allowed, unsigned required,
                                  ChapKeys& out) {
  ChapKeys keys;
  unsigned seen = 0;
  for (const TextPair& pair : in) {
    if (!pair.key.starts_with(kChapPrefix)) continue;
    const auto* known = std::find_if(std::begin(kKeys), std::end(kKeys),
                                     [&](const KeyName& k) { return k.name == pair.key; });
    if (known == std::end(kKeys) || (known->bit & allowed) == 0) return chap_errc::unexpected_key;
    if (seen & known->bit) return chap_errc::duplicate_key;
    seen |= known->bit;
    keys.*(known->slot) = pair.value;
  }
  if ((seen & required) != required) return chap_errc::missing_key;
  out = keys;
  return {};
}

std::error_code parse_identifier(std::string_view value, std::uint8_t& out) {
  std::uint64_t number = 0;
  if (parse_number(value, number)) return chap_errc::bad_identifier;
  if (number > UCHAR_MAX) return chap_errc::bad_identifier;
  out = static_cast<std::uint8_t>(number);
  return {};
}

std::error_code parse_challenge(std::string_view value, std::size_t min_length, std::vector<std::byte>& out) {
  std::vector<std::byte> bytes;
  if (parse_binary(value, bytes)) return chap_errc::malformed_value;
  if (bytes.size() < min_length || bytes.size() > kChapMaxBinaryLength) return chap_errc::bad_challenge_length;
  out = std::move(bytes);
  return {};
}

std::error_code parse_response(std::string_view value, std::size_t length, std::vector<std::byte>& out) {
  std::vector<std::byte> bytes;
  if (parse_binary(value, bytes)) return chap_errc::malformed_value;
  if (bytes.size() != length) return chap_errc::bad_response_length;
  out = std::move(bytes);
  return {};
}

std::string format_binary(std::span<const std::byte> bytes, ChapEncoding encoding) {
  return encoding == ChapEncoding::base64 ? format_base64(bytes) : format_hex(bytes);
}

std::error_code random_bytes(std::span<std::byte> out) {
  if (out.empty()) return {};
  if (out.size() > INT_MAX ||
      RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size())) != 1) {
    return chap_errc::crypto_failure;
  }
  return {};
}

std::error_code validate_chap_config(std::vector<ChapAlgorithm>& algorithms, const ChapCredentials& own,
                                     const std::optional<ChapCredentials>& other, std::size_t min_challenge_length) {
  if (own.name.empty() || own.secret.empty()) return chap_errc::invalid_config;
  if (other) {
    if (other->name.empty() || other->secret.empty()) return chap_errc::invalid_config;
    // RFC 7143 12.1.3: one secret MUST NOT authenticate both the initiator and the target;
    // with it, a peer could answer our challenge by reflecting it back to us.
    if (other->secret == own.secret) return chap_errc::same_secret;
  }
  if (min_challenge_length == 0 || min_challenge_length > kChapMaxBinaryLength) return chap_errc::invalid_config;
  std::erase_if(algorithms, [](ChapAlgorithm a) { return !chap_algorithm_available(a); });
  if (algorithms.empty()) return chap_errc::invalid_config;
  return {};
}

bool equal_responses(std::span<const std::byte> a, std::span<const std::byte> b) noexcept {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void wipe(std::vector<std::byte>& secret) noexcept {
  if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
}

}  // namespace uiscsi::iscsi::detail
