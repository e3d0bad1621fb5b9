#include "iscsi/negotiation.h"

#include <algorithm>
#include <array>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iscsi/detail/negotiation_local.h"
#include "iscsi/detail/negotiation_rules.h"
#include "iscsi/detail/negotiation_state.h"
#include "iscsi/keys.h"

namespace uiscsi::iscsi {
namespace {

using detail::Pending;
using detail::Slot;
using detail::SlotState;

// The StageMask bit of a CSG/NSG code; the reserved code 2 (and anything larger) allows no
// key at all.
StageMask stage_bit(LoginStage stage) noexcept {
  const auto code = static_cast<unsigned>(stage);
  return code <= 3 ? static_cast<StageMask>(1u << code) : 0;
}

}  // namespace

Negotiator::State::State(NegotiatorConfig c) : config(std::move(c)) {
  failed = detail::check_settings(config.local, config.role, config.session_type);
  for (const KeyInfo& key : all_keys()) {
    const auto i = static_cast<std::size_t>(key.id);
    local[i] = detail::local_value(config.local, key.id, config.role, config.session_type);
    slots[i].value = detail::default_value(key);
  }
  // A joining connection inherits iSER-assisted mode from the session: it decides which
  // connection keys apply (RFC 7145 6.1, 6.2, 6.4, 6.5).
  if (config.existing_session) {
    Slot& rdma = slot(KeyId::RDMAExtensions);
    rdma.value.number = config.existing_session->rdma_extensions ? 1 : 0;
    rdma.state = SlotState::settled;
  }
}

std::error_code Negotiator::State::receive(std::span<const TextPair> pairs, LoginStage stage,
                                           Exchange& out) {
  if (failed) return failed;
  if (pairs.size() > config.max_pairs) return fail(negotiation_errc::too_many_keys);
  if (auto ec = check_duplicates(pairs, stage)) return fail(ec);

  std::vector<const KeyInfo*> keys(pairs.size());
  for (std::size_t i = 0; i < pairs.size(); ++i) keys[i] = find_key(pairs[i].key);

  // Keys other keys depend on go first (SessionType; RDMAExtensions before the digests;
  // InitialR2T, ImmediateData and MaxBurstLength before FirstBurstLength), so the outcome
  // does not depend on the order of the pairs. Answers still go out in received order.
  Pending pending;
  pending.answers.resize(pairs.size());
  for (const bool first : {true, false}) {
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      if ((keys[i] != nullptr && keys[i]->evaluated_first) != first) continue;
      if (auto ec = handle(pairs[i], keys[i], stage, pending.answers[i], pending)) return fail(ec);
    }
  }

  for (std::size_t i = 0; i < pairs.size(); ++i) {
    if (pending.answers[i]) out.reply.push_back({pairs[i].key, std::move(*pending.answers[i])});
  }
  out.auth.insert(out.auth.end(), pending.auth.begin(), pending.auth.end());
  out.application.insert(out.application.end(), pending.application.begin(),
                         pending.application.end());
  return {};
}

// RFC 7143 6.2: a key may appear once per text, except the TargetName and TargetAddress
// lists of a SendTargets response.
std::error_code Negotiator::State::check_duplicates(std::span<const TextPair> pairs,
                                                    LoginStage stage) const {
  std::vector<std::string_view> names;
  names.reserve(pairs.size());
  for (const TextPair& p : pairs) {
    const KeyInfo* key = find_key(p.key);
    if (stage == LoginStage::full_feature_phase && key != nullptr &&
        key->repeated_in_send_targets) {
      continue;
    }
    names.push_back(p.key);
  }
  std::sort(names.begin(), names.end());
  if (std::adjacent_find(names.begin(), names.end()) != names.end()) {
    return negotiation_errc::duplicate_key;
  }
  return {};
}

std::error_code Negotiator::State::handle(const TextPair& pair, const KeyInfo* key,
                                          LoginStage stage, std::optional<std::string>& answer,
                                          Pending& pending) {
  if (key == nullptr) {
    if (is_auth_key(pair.key)) {
      // RFC 7143 12: the authentication exchange happens in the security stage only.
      if (stage != LoginStage::security_negotiation)
        return negotiation_errc::key_not_allowed_in_stage;
      pending.auth.push_back(pair);
      return {};
    }
    return handle_unknown(pair, stage, answer);
  }
  const StageMask allowed = peer_role() == Role::initiator ? key->from_initiator : key->from_target;
  if (allowed == 0) return negotiation_errc::key_not_allowed_for_sender;
  if ((allowed & stage_bit(stage)) == 0) return negotiation_errc::key_not_allowed_in_stage;

  switch (key->rule) {
    case KeyRule::request: pending.application.push_back(pair); return {};
    case KeyRule::obsolete: {
      // RFC 7143 13.25: answered Reject, never NotUnderstood.
      if (is_answer_constant(pair.value)) return negotiation_errc::invalid_value;
      Slot& s = slot(key->id);
      if (s.state == SlotState::settled) return negotiation_errc::duplicate_key;
      s.state = SlotState::settled;
      answer = std::string(kReject);
      return {};
    }
    case KeyRule::declarative:
      if (stage == LoginStage::full_feature_phase && key->repeated_in_send_targets) {
        pending.application.push_back(pair);  // a SendTargets result, not a declaration
        return {};
      }
      return handle_declaration(pair, *key);
    case KeyRule::list:
    case KeyRule::minimum:
    case KeyRule::maximum:
    case KeyRule::boolean_and:
    case KeyRule::boolean_or: return handle_negotiated(pair, *key, answer);
  }
  return negotiation_errc::invalid_value;
}

// RFC 7143 6.2: "the answer for a key not understood MUST be key=NotUnderstood" -- unknown
// keys and extension keys (X-, X#) we do not implement.
std::error_code Negotiator::State::handle_unknown(const TextPair& pair, LoginStage stage,
                                                  std::optional<std::string>& answer) {
  // An answer constant could only answer a proposal of ours, and we propose no unknown key.
  if (is_answer_constant(pair.value)) return negotiation_errc::invalid_value;
  if (stage != LoginStage::full_feature_phase) {  // no key twice during login (6.2)
    if (std::find(unknown_keys.begin(), unknown_keys.end(), pair.key) != unknown_keys.end()) {
      return negotiation_errc::duplicate_key;
    }
    if (unknown_keys.size() >= config.max_unknown_keys) return negotiation_errc::too_many_keys;
    unknown_keys.push_back(pair.key);
  }
  answer = std::string(kNotUnderstood);
  return {};
}

std::error_code Negotiator::State::handle_declaration(const TextPair& pair, const KeyInfo& key) {
  Slot& s = slot(key.id);
  if (is_answer_constant(pair.value)) {
    // NotUnderstood and Irrelevant are valid replies to a declaration of ours (RFC 7143
    // 6.2); they change nothing. Declaring one of them is a protocol error.
    return s.we_declared ? std::error_code{} : negotiation_errc::invalid_value;
  }
  // Declarations are never answered, so one that does not apply here (a leading-only key on
  // another connection, an iSER key without iSER) is just ignored.
  if (!relevant(key)) return {};
  if (s.peer_declared && !key.redeclarable) return negotiation_errc::duplicate_key;
  detail::KeyValue value;
  if (auto ec = detail::parse_declaration(key, pair.value, value)) return ec;
  if (key.id == KeyId::SessionType && parse_session_type(value.text) != config.session_type) {
    return negotiation_errc::session_type_mismatch;
  }
  s.value = std::move(value);
  s.peer_declared = true;
  return {};
}

std::error_code Negotiator::State::handle_negotiated(const TextPair& pair, const KeyInfo& key,
                                                     std::optional<std::string>& answer) {
  Slot& s = slot(key.id);
  if (s.state == SlotState::offered || s.state == SlotState::reply_optional) {
    if (auto ec = detail::accept_answer(key, pair.value, ours(key.id), s.value)) return ec;
    s.state = SlotState::settled;
    return {};
  }
  if (s.state == SlotState::settled) return negotiation_errc::duplicate_key;
  // RFC 7143 6.2: Reject, Irrelevant and NotUnderstood are never proposed values.
  if (is_answer_constant(pair.value)) return negotiation_errc::invalid_value;
  s.state = SlotState::settled;
  if (!relevant(key)) {
    answer = std::string(kIrrelevant);
    return {};
  }
  // RFC 7143 13.14: "FirstBurstLength MUST NOT exceed MaxBurstLength."
  const std::uint64_t ceiling = key.id == KeyId::FirstBurstLength
                                    ? current_number(KeyId::MaxBurstLength)
                                    : std::numeric_limits<std::uint64_t>::max();
  answer = detail::answer_proposal(key, pair.value, ours(key.id), ceiling, s.value);
  return {};
}

std::error_code Negotiator::State::offer(LoginStage stage, TextPairs& out) {
  if (failed) return failed;
  // As in receive(): the keys others depend on are decided first (with RDMAExtensions
  // offered, the digests are not), but the offers go out in table order.
  std::array<std::optional<TextPair>, kKeyCount> planned;
  for (const bool first : {true, false}) {
    for (const KeyInfo& key : all_keys()) {
      if (key.evaluated_first != first) continue;
      planned[static_cast<std::size_t>(key.id)] = plan_offer(key, stage);
    }
  }
  for (std::optional<TextPair>& p : planned) {
    if (p) out.push_back(std::move(*p));
  }
  return {};
}

std::optional<TextPair> Negotiator::State::plan_offer(const KeyInfo& key, LoginStage stage) {
  const StageMask allowed = config.role == Role::initiator ? key.from_initiator : key.from_target;
  const detail::LocalValue& mine = ours(key.id);
  if ((allowed & stage_bit(stage)) == 0 || !mine.present || !relevant(key)) return std::nullopt;
  Slot& s = slot(key.id);
  if (key.rule == KeyRule::declarative) {
    if (s.we_declared) return std::nullopt;
    s.we_declared = true;
    return TextPair{std::string(key.name), mine.wire};
  }
  if (s.state != SlotState::open) return std::nullopt;
  if (key.offered_only_if_changed && mine.wire == key.default_value) return std::nullopt;
  if (detail::reply_optional(key, mine)) {
    s.state = SlotState::reply_optional;
    s.value.number = mine.number;
  } else {
    s.state = SlotState::offered;
  }
  return TextPair{std::string(key.name), mine.wire};
}

Negotiator::Negotiator(NegotiatorConfig config)
    : state_(std::make_unique<State>(std::move(config))) {}
Negotiator::~Negotiator() = default;
Negotiator::Negotiator(Negotiator&&) noexcept = default;
Negotiator& Negotiator::operator=(Negotiator&&) noexcept = default;

std::error_code Negotiator::receive(std::span<const TextPair> pairs, LoginStage stage,
                                    Exchange& out) {
  return state_->receive(pairs, stage, out);
}

std::error_code Negotiator::offer(LoginStage stage, TextPairs& out) {
  return state_->offer(stage, out);
}

bool Negotiator::awaiting_answers() const noexcept {
  return std::any_of(state_->slots.begin(), state_->slots.end(),
                     [](const Slot& s) { return s.state == SlotState::offered; });
}

std::error_code Negotiator::result(NegotiatedParams& out) const { return state_->result(out); }

std::optional<AuthMethod> Negotiator::auth_method() const noexcept {
  const Slot& s = state_->slot(KeyId::AuthMethod);
  if (s.state != SlotState::settled) return std::nullopt;
  return parse_auth_method(s.value.text).value_or(AuthMethod::none);
}

std::error_code Negotiator::error() const noexcept { return state_->failed; }

const NegotiatorConfig& Negotiator::config() const noexcept { return state_->config; }

}  // namespace uiscsi::iscsi
