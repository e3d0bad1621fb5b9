// The result functions of RFC 7143 6.2, one key at a time, with no state: how an acceptor
// answers a proposal, how a proposer checks the answer, how a declaration is read. The
// Negotiator (iscsi/negotiation.h) decides which of them applies and keeps the state.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "iscsi/keys.h"

namespace uiscsi::iscsi::detail {

// A key's current value: `number` for numbers and booleans (1 = Yes), `text` for lists
// (the selected value) and text declarations.
struct KeyValue {
  std::uint64_t number = 0;
  std::string text;
};

// What we bring to a key (from LocalSettings, see negotiation_local.h).
struct LocalValue {
  bool present = false;                // false: we neither offer nor declare the key
  std::string wire;                    // our offer or declaration as sent
  std::uint64_t number = 0;            // numbers and booleans (1 = Yes)
  std::vector<std::string_view> list;  // list keys: what we support, preferred first
};

// The key's default, as the value it has before (or without) negotiation.
KeyValue default_value(const KeyInfo& key);

// Acceptor side (RFC 7143 6.2.1, 6.2.2): the answer to the peer's proposal `offered` of a
// negotiated key (list, minimum, maximum, boolean_and, boolean_or). A value that is not
// admissible -- malformed, out of range, or a list with nothing we support -- is answered
// "Reject" and leaves `result` alone; otherwise `result` becomes the outcome. For minimum
// keys the outcome is also kept at or below `ceiling`.
std::string answer_proposal(const KeyInfo& key, std::string_view offered, const LocalValue& ours,
                            std::uint64_t ceiling, KeyValue& result);

// Proposer side: checks the peer's `answer` to our offer `ours`. Reject, Irrelevant and
// NotUnderstood leave `result` alone (the key keeps its value, 6.2); an answer the result
// function allows becomes `result`; anything else is negotiation_errc::illegal_answer.
std::error_code accept_answer(const KeyInfo& key, std::string_view answer, const LocalValue& ours,
                              KeyValue& result);

// Whether the answer to our offer is optional because our value alone fixes the outcome:
// AND with No, OR with Yes (RFC 7143 6.2.2).
bool reply_optional(const KeyInfo& key, const LocalValue& ours) noexcept;

// Reads the value of a declarative key by its ValueType. Errors: invalid_value.
std::error_code parse_declaration(const KeyInfo& key, std::string_view value, KeyValue& out);

// Whether `value` is within the key's numerical range (and, for
// MaxOutstandingUnexpectedPDUs, not 1: RFC 7145 6 allows 0 or 2 to 2^32-1).
bool number_in_range(const KeyInfo& key, std::uint64_t value) noexcept;

}  // namespace uiscsi::iscsi::detail
