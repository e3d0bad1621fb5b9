#include "iscsi/chap_initiator.h"

#include <algorithm>

#include "iscsi/detail/chap_keys.h"
#include "iscsi/keys.h"
#include "iscsi/text_values.h"

namespace uiscsi::iscsi {

using namespace detail;

ChapInitiator::ChapInitiator(ChapInitiatorConfig config) : config_(std::move(config)) {
  error_ = validate_chap_config(config_.algorithms, config_.credentials, config_.target, config_.min_challenge_length);
  if (error_) state_ = State::failed;
}

ChapInitiator::~ChapInitiator() {
  wipe(config_.credentials.secret);
  if (config_.target) wipe(config_.target->secret);
}

std::error_code ChapInitiator::fail(std::error_code ec) {
  error_ = ec;
  state_ = State::failed;
  return ec;
}

std::error_code ChapInitiator::start(TextPairs& out) {
  if (state_ == State::failed) return error_;
  if (state_ != State::initial) return fail(chap_errc::unexpected_key);
  std::string list;
  for (const ChapAlgorithm a : config_.algorithms) {
    if (!list.empty()) list += ',';
    list += format_number(static_cast<std::uint64_t>(a));
  }
  out.push_back({std::string{kChapA}, std::move(list)});
  state_ = State::await_challenge;
  return {};
}

std::error_code ChapInitiator::step(std::span<const TextPair> in, TextPairs& out) {
  std::error_code ec;
  switch (state_) {
    case State::initial: ec = chap_errc::unexpected_key; break;  // the target spoke first
    case State::await_challenge: ec = answer_challenge(in, out); break;
    case State::await_target_response: ec = verify_target(in); break;
    case State::done: {
      ChapKeys none;
      ec = collect_chap_keys(in, 0, 0, none);
      break;
    }
    case State::failed: return error_;
  }
  return ec ? fail(ec) : ec;
}

// CHAP_A / CHAP_I / CHAP_C in; CHAP_N / CHAP_R [CHAP_I / CHAP_C] out.
std::error_code ChapInitiator::answer_challenge(std::span<const TextPair> in, TextPairs& out) {
  ChapKeys keys;
  if (auto ec = collect_chap_keys(in, kBitA | kBitI | kBitC, kBitA | kBitI | kBitC, keys)) return ec;
  // RFC 7143 6.2.1: a target that supports none of our values answers Reject.
  if (*keys.a == kReject) return chap_errc::unsupported_algorithm;
  std::uint64_t number = 0;
  if (parse_number(*keys.a, number)) return chap_errc::malformed_value;
  const auto chosen = chap_algorithm_from_number(number);
  if (!chosen || std::find(config_.algorithms.begin(), config_.algorithms.end(), *chosen) == config_.algorithms.end()) {
    return chap_errc::unsupported_algorithm;
  }
  std::uint8_t identifier = 0;
  if (auto ec = parse_identifier(*keys.i, identifier)) return ec;
  std::vector<std::byte> challenge;
  if (auto ec = parse_challenge(*keys.c, config_.min_challenge_length, challenge)) return ec;

  std::vector<std::byte> response;
  if (auto ec = chap_response(*chosen, identifier, config_.credentials.secret, challenge, response)) return ec;

  TextPairs answer;
  answer.push_back({std::string{kChapN}, config_.credentials.name});
  answer.push_back({std::string{kChapR}, format_binary(response, config_.encoding)});
  if (config_.target) {
    std::byte our_identifier{};
    std::vector<std::byte> our_challenge(chap_digest_size(*chosen));
    if (auto ec = random_bytes({&our_identifier, 1})) return ec;
    // Never send the target's own challenge back (RFC 7143 12.1.3); with 128 random bits
    // or more this cannot happen, the loop only makes it impossible.
    do {
      if (auto ec = random_bytes(our_challenge)) return ec;
    } while (our_challenge == challenge);
    identifier_ = std::to_integer<std::uint8_t>(our_identifier);
    challenge_ = std::move(our_challenge);
    answer.push_back({std::string{kChapI}, format_number(identifier_)});
    answer.push_back({std::string{kChapC}, format_binary(challenge_, config_.encoding)});
  }
  algorithm_ = chosen;
  out.insert(out.end(), std::make_move_iterator(answer.begin()), std::make_move_iterator(answer.end()));
  state_ = config_.target ? State::await_target_response : State::done;
  return {};
}

// Mutual CHAP: CHAP_N / CHAP_R in, nothing out.
std::error_code ChapInitiator::verify_target(std::span<const TextPair> in) {
  ChapKeys keys;
  if (auto ec = collect_chap_keys(in, kBitN | kBitR, kBitN | kBitR, keys)) return ec;
  std::vector<std::byte> response;
  if (auto ec = parse_response(*keys.r, chap_digest_size(*algorithm_), response)) return ec;
  if (*keys.n != config_.target->name) return chap_errc::unknown_name;
  std::vector<std::byte> expected;
  if (auto ec = chap_response(*algorithm_, identifier_, config_.target->secret, challenge_, expected)) return ec;
  if (!equal_responses(response, expected)) return chap_errc::authentication_failed;
  state_ = State::done;
  return {};
}

}  // namespace uiscsi::iscsi
