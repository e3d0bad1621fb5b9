#include "iscsi/chap_target.h"

#include <algorithm>

#include "iscsi/detail/chap_keys.h"
#include "iscsi/text_values.h"

namespace uiscsi::iscsi {

using namespace detail;

ChapTarget::ChapTarget(ChapTargetConfig config) : config_(std::move(config)) {
  error_ = validate_chap_config(config_.algorithms, config_.initiator, config_.target, config_.min_challenge_length);
  if (error_) state_ = State::failed;
}

ChapTarget::~ChapTarget() {
  wipe(config_.initiator.secret);
  if (config_.target) wipe(config_.target->secret);
}

std::error_code ChapTarget::step(std::span<const TextPair> in, TextPairs& out) {
  std::error_code ec;
  switch (state_) {
    case State::await_algorithms: ec = choose_algorithm(in, out); break;
    case State::await_response: ec = verify_response(in, out); break;
    case State::done: {
      // The exchange is over: any further CHAP key is out of order.
      ChapKeys none;
      ec = collect_chap_keys(in, 0, 0, none);
      break;
    }
    case State::failed: return error_;
  }
  if (ec) {
    error_ = ec;
    state_ = State::failed;
  }
  return ec;
}

// Step 1: CHAP_A=<list> in, CHAP_A / CHAP_I / CHAP_C out.
std::error_code ChapTarget::choose_algorithm(std::span<const TextPair> in, TextPairs& out) {
  ChapKeys keys;
  if (auto ec = collect_chap_keys(in, kBitA, kBitA, keys)) return ec;
  std::optional<ChapAlgorithm> chosen;
  for (const std::string_view item : split_list(*keys.a)) {
    std::uint64_t number = 0;
    if (parse_number(item, number)) continue;  // not a number: a value we do not understand
    const auto a = chap_algorithm_from_number(number);
    if (a && std::find(config_.algorithms.begin(), config_.algorithms.end(), *a) != config_.algorithms.end()) {
      chosen = a;
      break;
    }
  }
  if (!chosen) return chap_errc::unsupported_algorithm;

  std::byte identifier{};
  std::vector<std::byte> challenge(chap_digest_size(*chosen));
  if (auto ec = random_bytes({&identifier, 1})) return ec;
  if (auto ec = random_bytes(challenge)) return ec;

  algorithm_ = chosen;
  identifier_ = std::to_integer<std::uint8_t>(identifier);
  challenge_ = std::move(challenge);
  out.push_back({std::string{kChapA}, format_number(static_cast<std::uint64_t>(*chosen))});
  out.push_back({std::string{kChapI}, format_number(identifier_)});
  out.push_back({std::string{kChapC}, format_binary(challenge_, config_.encoding)});
  state_ = State::await_response;
  return {};
}

// Step 2: CHAP_N / CHAP_R [CHAP_I / CHAP_C] in; for mutual CHAP, CHAP_N / CHAP_R out.
std::error_code ChapTarget::verify_response(std::span<const TextPair> in, TextPairs& out) {
  ChapKeys keys;
  if (auto ec = collect_chap_keys(in, kBitN | kBitR | kBitI | kBitC, kBitN | kBitR, keys)) return ec;
  if (keys.i.has_value() != keys.c.has_value()) return chap_errc::missing_key;
  const ChapAlgorithm algorithm = *algorithm_;

  std::vector<std::byte> response;
  if (auto ec = parse_response(*keys.r, chap_digest_size(algorithm), response)) return ec;

  const bool mutual = keys.c.has_value();
  std::uint8_t their_identifier = 0;
  std::vector<std::byte> their_challenge;
  if (mutual) {
    if (auto ec = parse_identifier(*keys.i, their_identifier)) return ec;
    if (auto ec = parse_challenge(*keys.c, config_.min_challenge_length, their_challenge)) return ec;
    // RFC 7143 12.1.3: the responder MUST check that the originator did not send back the
    // challenge we sent it; answering it would hand out the very response it needs.
    if (their_challenge == challenge_) return chap_errc::reflected_challenge;
    if (!config_.target) return chap_errc::mutual_not_configured;
  }

  if (*keys.n != config_.initiator.name) return chap_errc::unknown_name;
  std::vector<std::byte> expected;
  if (auto ec = chap_response(algorithm, identifier_, config_.initiator.secret, challenge_, expected)) return ec;
  if (!equal_responses(response, expected)) return chap_errc::authentication_failed;

  if (mutual) {
    std::vector<std::byte> answer;
    if (auto ec = chap_response(algorithm, their_identifier, config_.target->secret, their_challenge, answer)) {
      return ec;
    }
    out.push_back({std::string{kChapN}, config_.target->name});
    out.push_back({std::string{kChapR}, format_binary(answer, config_.encoding)});
  }
  mutual_ = mutual;
  state_ = State::done;
  return {};
}

}  // namespace uiscsi::iscsi
