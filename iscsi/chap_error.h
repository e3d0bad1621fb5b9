// Errors of the CHAP exchange (RFC 7143 12.1.3, RFC 1994), the "iscsi.chap" category, and
// their mapping to the Login Response status the target sends (RFC 7143 11.13.5).
#pragma once

#include <system_error>

#include "iscsi/login_status.h"

namespace uiscsi::iscsi {

enum class chap_errc {
  // No CHAP_A value in common, or the target chose one the initiator did not offer (or
  // answered CHAP_A=Reject).
  unsupported_algorithm = 1,
  // A value that is not a valid number, list or binary-value (RFC 7143 6.1).
  malformed_value,
  // A key this step requires is absent (or CHAP_I without CHAP_C, or the reverse).
  missing_key,
  // A CHAP key not valid at this step of the exchange, or after it ended.
  unexpected_key,
  // The same CHAP key twice in one message.
  duplicate_key,
  // CHAP_I is not a number in 0..255.
  bad_identifier,
  // CHAP_C shorter than the configured minimum or longer than 1024 bytes (RFC 7143 12.1.3).
  bad_challenge_length,
  // CHAP_R not as long as the digest of the negotiated algorithm.
  bad_response_length,
  // The initiator's CHAP_C is the challenge the target sent it (RFC 7143 12.1.3: the target
  // MUST check this and close the connection; answering would let the initiator replay
  // our own response as its proof).
  reflected_challenge,
  // CHAP_N is not the name we expect.
  unknown_name,
  // CHAP_R does not match: wrong secret.
  authentication_failed,
  // The initiator asked the target to authenticate, but the target has no credentials.
  mutual_not_configured,
  // Our configuration: empty name or secret, no usable algorithm, or a minimum challenge
  // length outside 1..1024.
  invalid_config,
  // Our configuration uses one secret for both directions (RFC 7143 12.1.3 forbids it).
  same_secret,
  // OpenSSL failed (RAND_bytes or the digest).
  crypto_failure,
};

const std::error_category& chap_category() noexcept;
std::error_code make_error_code(chap_errc e) noexcept;

// The status a target sends when its CHAP exchange fails with `ec`: our own configuration
// or OpenSSL failures are "target error" (0300h); everything the initiator sent or could not
// prove is "authentication failure" (0201h), as RFC 7143 12.1.3 requires ("the target MUST
// answer with a Login reject with Authentication Failure status"). One status for all of
// them also keeps a prober from learning whether a CHAP_N exists. Authorization (0202h) is
// the ACL's decision, not CHAP's. A login-category code maps to itself; any other code to
// "target error".
LoginStatus chap_login_status(const std::error_code& ec) noexcept;

}  // namespace uiscsi::iscsi

template <>
struct std::is_error_code_enum<uiscsi::iscsi::chap_errc> : std::true_type {};
