// The target side of CHAP (RFC 7143 12.1.3): it authenticates the initiator and, when the
// initiator asks (mutual CHAP), authenticates itself to the initiator. See iscsi/chap.h for
// the exchange and the decisions behind it.
//
// Use: once AuthMethod=CHAP is negotiated, hand the CHAP pairs of each Login Request
// (Exchange::auth) to step() and add what it appends to the Login Response. On error,
// reject the login with chap_login_status(ec) and send no CHAP keys. When authenticated()
// turns true the security stage may end (the target may set T).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <system_error>
#include <vector>

#include "iscsi/chap.h"

namespace uiscsi::iscsi {

struct ChapTargetConfig {
  // Algorithms we accept; the initiator's order of preference decides among them.
  std::vector<ChapAlgorithm> algorithms = default_chap_algorithms();
  // The CHAP_N the initiator must present, and the secret it must prove.
  ChapCredentials initiator;
  // Our CHAP_N and secret for mutual CHAP; without them a request for target
  // authentication fails (chap_errc::mutual_not_configured).
  std::optional<ChapCredentials> target;
  ChapEncoding encoding = ChapEncoding::hex;
  // Shortest initiator challenge (mutual CHAP) we accept.
  std::size_t min_challenge_length = kChapDefaultMinChallengeLength;
};

// Move-only; wipes the secrets on destruction.
class ChapTarget {
 public:
  explicit ChapTarget(ChapTargetConfig config);
  ~ChapTarget();
  ChapTarget(ChapTarget&&) noexcept = default;
  ChapTarget& operator=(ChapTarget&&) noexcept = default;

  // Consumes the CHAP pairs of one Login Request (pairs with other keys are ignored) and
  // appends the CHAP pairs of our answer to `out`. On error `out` is left as it was, and
  // every later call returns the same error.
  std::error_code step(std::span<const TextPair> in, TextPairs& out);

  // The initiator proved its identity and, if it asked, we answered its challenge.
  bool authenticated() const noexcept { return state_ == State::done; }
  // The initiator asked us to authenticate (valid once authenticated()).
  bool mutual() const noexcept { return mutual_; }
  // The negotiated algorithm, once chosen.
  std::optional<ChapAlgorithm> algorithm() const noexcept { return algorithm_; }
  std::error_code error() const noexcept { return error_; }

 private:
  enum class State : std::uint8_t { await_algorithms, await_response, done, failed };

  std::error_code choose_algorithm(std::span<const TextPair> in, TextPairs& out);
  std::error_code verify_response(std::span<const TextPair> in, TextPairs& out);

  ChapTargetConfig config_;
  State state_ = State::await_algorithms;
  std::error_code error_;
  std::optional<ChapAlgorithm> algorithm_;
  std::uint8_t identifier_ = 0;
  std::vector<std::byte> challenge_;  // the CHAP_C we sent
  bool mutual_ = false;
};

}  // namespace uiscsi::iscsi
