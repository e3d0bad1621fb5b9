// Errors of the key negotiation (RFC 7143 6.2-6.3, 13; RFC 7145 6).
//
// Every one but invalid_settings is a protocol error by the peer: a target answers with a
// Login Response "initiator error" (missing_key: "missing parameter", RFC 7143 11.13.5), an
// initiator drops the connection. After an error the Negotiator stays failed.
#pragma once

#include <system_error>

namespace uiscsi::iscsi {

enum class negotiation_errc {
  // A key proposed or declared a second time: twice in one text, or again after its
  // negotiation completed (RFC 7143 6.2: renegotiation must be detected).
  duplicate_key = 1,
  // An answer the result function does not allow: a value we did not offer (6.2.1), a
  // number beyond our offer or out of range, a boolean that contradicts ours (6.2.2), or
  // a malformed value.
  illegal_answer,
  // The key is not allowed in this stage (e.g. an operational key during security
  // negotiation, SendTargets during login, an initialize-only key in Full Feature Phase).
  key_not_allowed_in_stage,
  // The peer's side never sends this key ("Senders" in RFC 7143 13).
  key_not_allowed_for_sender,
  // A proposal or declaration with a malformed value, or Reject / Irrelevant /
  // NotUnderstood used as a proposed value (RFC 7143 6.2).
  invalid_value,
  // More key=value pairs than the negotiator's limit.
  too_many_keys,
  // The initiator did not declare InitiatorName, or TargetName for a normal session
  // (RFC 7143 13.4, 13.5).
  missing_key,
  // SessionType differs from the session type the negotiator was set up for.
  session_type_mismatch,
  // A key ended on a value our settings do not allow (e.g. the peer rejected our digest
  // list and the default None is not acceptable to us, RFC 7143 6.2).
  unacceptable_result,
  // result() asked while offers of ours still wait for their answers.
  unanswered_offer,
  // Our own LocalSettings are out of range or lack a required name.
  invalid_settings,
};

const std::error_category& negotiation_category() noexcept;
std::error_code make_error_code(negotiation_errc e) noexcept;

}  // namespace uiscsi::iscsi

template <>
struct std::is_error_code_enum<uiscsi::iscsi::negotiation_errc> : std::true_type {};
