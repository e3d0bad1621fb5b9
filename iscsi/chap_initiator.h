// The initiator side of CHAP (RFC 7143 12.1.3): it answers the target's challenge and,
// with ChapInitiatorConfig::target set, challenges the target in turn (mutual CHAP) and
// checks its answer. See iscsi/chap.h for the exchange and the decisions behind it.
//
// Use: after AuthMethod=CHAP is negotiated, send the pairs of start(); then hand the CHAP
// pairs of each Login Response to step() and send what it appends. Do not leave the
// security stage before done() is true: for mutual CHAP the target's proof arrives in the
// last Login Response of the stage, and a target that transits without it has not
// authenticated itself (RFC 7143 12.1.3: "If the target authentication fails, the initiator
// MUST terminate the connection"). On any error, drop the connection.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <system_error>
#include <vector>

#include "iscsi/chap.h"

namespace uiscsi::iscsi {

struct ChapInitiatorConfig {
  // Offered in this order, the first is the one we prefer.
  std::vector<ChapAlgorithm> algorithms = default_chap_algorithms();
  // Our CHAP_N and secret.
  ChapCredentials credentials;
  // Set for mutual CHAP: the CHAP_N the target must present and its secret.
  std::optional<ChapCredentials> target;
  ChapEncoding encoding = ChapEncoding::hex;
  // Shortest target challenge we answer.
  std::size_t min_challenge_length = kChapDefaultMinChallengeLength;
};

// Move-only; wipes the secrets on destruction.
class ChapInitiator {
 public:
  explicit ChapInitiator(ChapInitiatorConfig config);
  ~ChapInitiator();
  ChapInitiator(ChapInitiator&&) noexcept = default;
  ChapInitiator& operator=(ChapInitiator&&) noexcept = default;

  // Appends CHAP_A=<our list>. Only once, first.
  std::error_code start(TextPairs& out);

  // Consumes the CHAP pairs of one Login Response (other keys are ignored) and appends our
  // answer. On error `out` is left as it was, and every later call returns the same error.
  std::error_code step(std::span<const TextPair> in, TextPairs& out);

  // We answered the challenge and, for mutual CHAP, the target proved its identity.
  bool done() const noexcept { return state_ == State::done; }
  bool mutual() const noexcept { return config_.target.has_value(); }
  std::optional<ChapAlgorithm> algorithm() const noexcept { return algorithm_; }
  std::error_code error() const noexcept { return error_; }

 private:
  enum class State : std::uint8_t { initial, await_challenge, await_target_response, done, failed };

  std::error_code answer_challenge(std::span<const TextPair> in, TextPairs& out);
  std::error_code verify_target(std::span<const TextPair> in);
  std::error_code fail(std::error_code ec);

  ChapInitiatorConfig config_;
  State state_ = State::initial;
  std::error_code error_;
  std::optional<ChapAlgorithm> algorithm_;
  std::uint8_t identifier_ = 0;
  std::vector<std::byte> challenge_;  // our CHAP_C (mutual)
};

}  // namespace uiscsi::iscsi
