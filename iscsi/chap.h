// CHAP for iSCSI login (RFC 7143 12.1.3, RFC 1994): what the target (iscsi/chap_target.h)
// and the initiator (iscsi/chap_initiator.h) share.
//
// The exchange, as key=value pairs in the security negotiation stage:
//
//   initiator -> target   CHAP_A=<A1,A2,...>
//   target -> initiator   CHAP_A=<A> CHAP_I=<I> CHAP_C=<C>
//   initiator -> target   CHAP_N=<N> CHAP_R=<R> [CHAP_I=<I'> CHAP_C=<C'>]   (mutual: [..])
//   target -> initiator   [CHAP_N=<N'> CHAP_R=<R'>]                         (mutual only)
//
// Both state machines consume and produce iscsi::TextPair lists (iscsi/text.h), the
// Exchange::auth pairs the negotiator hands over, so they plug into the login layer without
// any encoding of their own. Neither does I/O or keeps a reference to its input.
//
// Decisions:
//  * Algorithm choice: the target answers with the first value of the initiator's CHAP_A
//    list that its own configuration allows (RFC 7143 6.2.1 list negotiation: the
//    originator's order of preference wins). Values we do not know are skipped.
//  * Challenge length: each side sends a challenge as long as the digest of the negotiated
//    algorithm (16, 20, 32, 32 bytes), so never less than 16 bytes, fresh from RAND_bytes.
//    A received challenge must be min_challenge_length (default 16) to 1024 bytes
//    (RFC 7143 12.1.3 caps binary values at 1024 bytes); shorter ones make offline guessing
//    of our secret cheaper and are refused.
//  * Same secret in both directions: RFC 7143 12.1.3 says a secret used to authenticate the
//    initiator MUST NOT be used to authenticate the target. Each side can only see this in
//    its own configuration, which holds both secrets, so the check lives in the
//    configuration validation that runs at construction (chap_errc::same_secret, reported
//    by the first call). Reuse of one secret across several initiators or targets is a
//    property of the whole target configuration and is for target/ to check.
//  * Responses are compared with CRYPTO_memcmp (constant time).
//  * Secrets are wiped (OPENSSL_cleanse) when the state machine is destroyed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iscsi/chap_algorithm.h"
#include "iscsi/chap_error.h"
#include "iscsi/text.h"

namespace uiscsi::iscsi {

inline constexpr std::string_view kChapA = "CHAP_A";
inline constexpr std::string_view kChapI = "CHAP_I";
inline constexpr std::string_view kChapC = "CHAP_C";
inline constexpr std::string_view kChapN = "CHAP_N";
inline constexpr std::string_view kChapR = "CHAP_R";

// RFC 7143 12.1.3: CHAP_C and CHAP_R binary lengths MUST NOT exceed 1024 bytes.
inline constexpr std::size_t kChapMaxBinaryLength = 1024;
inline constexpr std::size_t kChapDefaultMinChallengeLength = 16;

// How we encode CHAP_C and CHAP_R (RFC 7143 6.1 binary-value). Both forms are always
// accepted on input, with either case of the 0x / 0b prefix.
enum class ChapEncoding : std::uint8_t { hex, base64 };

// A CHAP name and its secret. Secrets are bytes: a configured text secret is its bytes.
struct ChapCredentials {
  std::string name;
  std::vector<std::byte> secret;

  static ChapCredentials from_text(std::string name, std::string_view secret);
};

// Strongest first. MD5 stays in the default list because RFC 7143 12.1.3 requires
// initiators to offer it and many targets support nothing else; a configuration may drop it.
std::vector<ChapAlgorithm> default_chap_algorithms();

}  // namespace uiscsi::iscsi
