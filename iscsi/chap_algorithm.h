// CHAP algorithms (CHAP_A) and the CHAP response computation (RFC 1994 4.1):
//
//   CHAP_R = H(CHAP_I as one byte || secret || CHAP_C)
//
// Values follow the IANA "PPP Authentication Algorithms" registry as RFC 7143 12.1.3 and
// open-iscsi / Linux LIO use them: 5 MD5, 6 SHA-1, 7 SHA-256, 8 SHA3-256. (tgt maps 7 to
// SHA-1; we do not follow it.) Every digest is OpenSSL EVP, fetched once from the default
// library context.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>
#include <vector>

namespace uiscsi::iscsi {

enum class ChapAlgorithm : std::uint8_t {
  md5 = 5,
  sha1 = 6,
  sha256 = 7,
  sha3_256 = 8,
};

// "MD5", "SHA-1", "SHA-256", "SHA3-256".
std::string_view chap_algorithm_name(ChapAlgorithm algorithm) noexcept;
// The algorithm of a CHAP_A number; nullopt for numbers we do not implement.
std::optional<ChapAlgorithm> chap_algorithm_from_number(std::uint64_t number) noexcept;
// Digest (and so CHAP_R) length in bytes: 16, 20, 32, 32.
std::size_t chap_digest_size(ChapAlgorithm algorithm) noexcept;
// Whether OpenSSL provides the digest here (a FIPS-only configuration has no MD5).
bool chap_algorithm_available(ChapAlgorithm algorithm) noexcept;

// Replaces `out` with the response. chap_errc::unsupported_algorithm if the digest is not
// available, chap_errc::crypto_failure if OpenSSL fails.
std::error_code chap_response(ChapAlgorithm algorithm, std::uint8_t identifier,
                              std::span<const std::byte> secret, std::span<const std::byte> challenge,
                              std::vector<std::byte>& out);

}  // namespace uiscsi::iscsi
