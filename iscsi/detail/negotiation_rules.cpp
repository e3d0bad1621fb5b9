#include "iscsi/detail/negotiation_rules.h"

#include <algorithm>

#include "iscsi/negotiation_error.h"
#include "iscsi/negotiation_params.h"
#include "iscsi/text_values.h"

namespace uiscsi::iscsi::detail {
namespace {

bool is_numerical(const KeyInfo& key) noexcept {
  return key.rule == KeyRule::minimum || key.rule == KeyRule::maximum;
}
bool is_boolean(const KeyInfo& key) noexcept {
  return key.rule == KeyRule::boolean_and || key.rule == KeyRule::boolean_or;
}

bool supports(const LocalValue& ours, std::string_view value) noexcept {
  return std::find(ours.list.begin(), ours.list.end(), value) != ours.list.end();
}

}  // namespace

bool number_in_range(const KeyInfo& key, std::uint64_t value) noexcept {
  if (key.id == KeyId::MaxOutstandingUnexpectedPDUs && value == 1) return false;
  return value >= key.min && value <= key.max;
}

KeyValue default_value(const KeyInfo& key) {
  KeyValue v;
  bool flag = false;
  if (key.type == ValueType::number) {
    if (parse_number(key.default_value, v.number)) v.number = 0;  // no default: 0
  } else if (key.type == ValueType::boolean && !parse_boolean(key.default_value, flag)) {
    v.number = flag ? 1 : 0;
  } else {
    v.text = std::string(key.default_value);
  }
  return v;
}

std::string answer_proposal(const KeyInfo& key, std::string_view offered, const LocalValue& ours,
                            std::uint64_t ceiling, KeyValue& result) {
  if (key.rule == KeyRule::list) {
    // 6.2.1: the first value in the proposer's order that we support; values we do not
    // understand are ignored. "None" is chosen only when the proposer listed it.
    for (std::string_view item : split_list(offered)) {
      if (supports(ours, item)) {
        result.text = std::string(item);
        return result.text;
      }
    }
    return std::string(kReject);
  }
  if (is_numerical(key)) {
    std::uint64_t value = 0;
    if (parse_number(offered, value) || !number_in_range(key, value)) return std::string(kReject);
    const std::uint64_t chosen = key.rule == KeyRule::minimum
                                     ? std::min({value, ours.number, ceiling})
                                     : std::max(value, ours.number);
    result.number = chosen;
    return format_number(chosen);
  }
  if (is_boolean(key)) {
    bool value = false;
    if (parse_boolean(offered, value)) return std::string(kReject);
    const bool mine = ours.number != 0;
    const bool chosen = key.rule == KeyRule::boolean_and ? value && mine : value || mine;
    result.number = chosen ? 1 : 0;
    return std::string(format_boolean(chosen));
  }
  return std::string(kReject);  // declarative, request and obsolete keys are not negotiated
}

std::error_code accept_answer(const KeyInfo& key, std::string_view answer, const LocalValue& ours,
                              KeyValue& result) {
  if (is_answer_constant(answer)) return {};
  if (key.rule == KeyRule::list) {
    // 6.2.1: "The selection of a value not proposed MUST be handled as a protocol error."
    if (!supports(ours, answer)) return negotiation_errc::illegal_answer;
    result.text = std::string(answer);
    return {};
  }
  if (is_numerical(key)) {
    std::uint64_t value = 0;
    if (parse_number(answer, value) || !number_in_range(key, value)) {
      return negotiation_errc::illegal_answer;
    }
    // Minimum: the acceptor may only go down from our value; Maximum: only up.
    const bool allowed = key.rule == KeyRule::minimum ? value <= ours.number : value >= ours.number;
    if (!allowed) return negotiation_errc::illegal_answer;
    result.number = value;
    return {};
  }
  if (is_boolean(key)) {
    bool value = false;
    if (parse_boolean(answer, value)) return negotiation_errc::illegal_answer;
    // Our No fixes an AND at No, our Yes fixes an OR at Yes.
    const bool mine = ours.number != 0;
    if (key.rule == KeyRule::boolean_and && !mine && value) return negotiation_errc::illegal_answer;
    if (key.rule == KeyRule::boolean_or && mine && !value) return negotiation_errc::illegal_answer;
    result.number = value ? 1 : 0;
    return {};
  }
  return negotiation_errc::illegal_answer;
}

bool reply_optional(const KeyInfo& key, const LocalValue& ours) noexcept {
  return (key.rule == KeyRule::boolean_and && ours.number == 0) ||
         (key.rule == KeyRule::boolean_or && ours.number != 0);
}

std::error_code parse_declaration(const KeyInfo& key, std::string_view value, KeyValue& out) {
  KeyValue v;
  switch (key.type) {
    case ValueType::number:
      if (parse_number(value, v.number) || !number_in_range(key, v.number)) {
        return negotiation_errc::invalid_value;
      }
      break;
    case ValueType::iscsi_name:
      if (value.empty() || value.size() > kMaxIscsiNameLength)
        return negotiation_errc::invalid_value;
      break;
    case ValueType::session_type:
      if (!parse_session_type(value)) return negotiation_errc::invalid_value;
      break;
    case ValueType::target_address:
      if (value.empty()) return negotiation_errc::invalid_value;
      break;
    case ValueType::local_name:
    case ValueType::text: break;
    case ValueType::list:
    case ValueType::boolean:
      return negotiation_errc::invalid_value;  // no declarative key has these types
  }
  v.text = std::string(value);
  out = std::move(v);
  return {};
}

}  // namespace uiscsi::iscsi::detail
