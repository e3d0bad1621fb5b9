// The text key negotiation of login and Full Feature Phase (RFC 7143 6.2, 6.3, 13; RFC 7145
// 6), for either side. Table-driven (iscsi/keys.h): no per-key code but the RFC's rules
// between keys. No I/O: it turns received key=value pairs into the pairs to send back.
//
// One Negotiator per connection login. Each exchange:
//
//   Exchange ex;
//   if (auto ec = n.receive(received_pairs, stage, ex)) -> fail the login (see
//       negotiation_error.h); the negotiator stays failed
//   ex.auth        -> the authentication layer (CHAP_* keys), which adds its own pairs
//   ex.application -> the target's SendTargets handler, or the initiator's discovery code
//   n.offer(stage, ex.reply)  -> add our own proposals and declarations
//   send ex.reply (iscsi/text.h, iscsi/text_continuation.h)
//
// receive() sorts every pair: an answer to one of our offers is checked against the
// key's result function; a proposal by the peer is answered (Reject, Irrelevant,
// NotUnderstood included); a declaration is recorded. offer() proposes every key our side
// may send in this stage that is relevant and not yet settled, and declares what we have
// to declare, each once. The initiator starts with offer(); the target with receive().
// The target proposes the keys the initiator left out as soon as it calls offer() in a
// stage; a login layer that wants to leave the initiator room to propose them itself
// calls the target's offer() only once the initiator asks to transit (T=1). The login
// ends when neither side has anything left to offer or answer (awaiting_answers() is
// false and the peer's last text held no proposal); result() then gives the values.
//
// Ownership: every call copies what it keeps; the pairs passed in are only read during
// the call, and the Exchange and TextPairs given to fill are the caller's.
//
// Stages: security negotiation accepts AuthMethod, the CHAP keys and the declarations;
// operational negotiation the operational keys and declarations; Full Feature Phase only
// SendTargets, its results and the redeclarable declarations (MaxRecvDataSegmentLength,
// aliases). A key out of its stage, or from the wrong side, is a protocol error; a key
// irrelevant to this session (RFC 7143 13 "Irrelevant when", leading-only keys on a
// non-leading connection) is answered Irrelevant, unknown keys NotUnderstood.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <system_error>

#include "iscsi/negotiation_error.h"
#include "iscsi/negotiation_params.h"
#include "iscsi/pdu_login.h"
#include "iscsi/text.h"

namespace uiscsi::iscsi {

struct NegotiatorConfig {
  Role role = Role::initiator;
  // The initiator declares it; the target learns it from the first Login Request (read it
  // with find_pair() before choosing the settings) and checks the declaration against it.
  SessionType session_type = SessionType::normal;
  // Empty for the leading connection (TSIH 0), which creates the session. For a connection
  // that joins a session: the session's negotiated parameters. Leading-only keys are then
  // irrelevant (RFC 7143 13, "Use: LO"), and result() reports the session's values.
  std::optional<SessionParams> existing_session;
  LocalSettings local;
  // At most this many pairs in one received text (too_many_keys beyond).
  std::size_t max_pairs = 1024;
  // At most this many distinct unknown keys in one login (each is answered NotUnderstood).
  std::size_t max_unknown_keys = 64;
};

// What receive() hands back. The caller owns it; receive() only appends.
struct Exchange {
  TextPairs reply;        // answers to the peer's proposals, in the order they came
  TextPairs auth;         // CHAP_* keys for the authentication layer, in order
  TextPairs application;  // SendTargets (target side), or the TargetName / TargetAddress
                          // pairs of a SendTargets response (initiator side), in order
};

// Move-only. A moved-from Negotiator may only be destroyed or assigned to.
class Negotiator {
 public:
  // Invalid settings (negotiation_errc::invalid_settings) make every call fail.
  explicit Negotiator(NegotiatorConfig config);
  ~Negotiator();
  Negotiator(Negotiator&&) noexcept;
  Negotiator& operator=(Negotiator&&) noexcept;

  // Takes one received logical text data segment, `pairs` as parsed (iscsi/text.h),
  // received in `stage` (the CSG of the Login PDUs, or full_feature_phase for Text PDUs).
  // On error nothing is appended to `out`.
  std::error_code receive(std::span<const TextPair> pairs, LoginStage stage, Exchange& out);

  // Appends our proposals and declarations for `stage` that were not made yet.
  std::error_code offer(LoginStage stage, TextPairs& out);

  // True while an offer of ours waits for its answer.
  bool awaiting_answers() const noexcept;

  // The negotiated values, with the RFC's rules between keys applied (FirstBurstLength at
  // most MaxBurstLength, MaxConnections 1 in discovery, no digests with iSER, ...). Checks
  // that the target got the declarations it needs and that every result is one our
  // settings allow. May be called again after Full Feature Phase redeclarations.
  std::error_code result(NegotiatedParams& out) const;

  // The outcome of AuthMethod once it is settled; a rejected AuthMethod keeps its default
  // None. The login layer checks it against its policy before the CHAP exchange.
  std::optional<AuthMethod> auth_method() const noexcept;

  // The first error, sticky.
  std::error_code error() const noexcept;
  const NegotiatorConfig& config() const noexcept;

 private:
  struct State;  // the per-key state (iscsi/detail/negotiation_state.h)
  std::unique_ptr<State> state_;
};

}  // namespace uiscsi::iscsi
