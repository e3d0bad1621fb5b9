#include "iscsi/negotiation_error.h"

#include <string>

namespace uiscsi::iscsi {
namespace {

class NegotiationCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "iscsi.negotiation"; }

  std::string message(int ev) const override {
    switch (static_cast<negotiation_errc>(ev)) {
      case negotiation_errc::duplicate_key: return "key negotiated or declared twice";
      case negotiation_errc::illegal_answer: return "answer not allowed by the key's rules";
      case negotiation_errc::key_not_allowed_in_stage: return "key not allowed in this stage";
      case negotiation_errc::key_not_allowed_for_sender: return "key not sent by this side";
      case negotiation_errc::invalid_value: return "invalid value";
      case negotiation_errc::too_many_keys: return "too many keys";
      case negotiation_errc::missing_key: return "required key missing";
      case negotiation_errc::session_type_mismatch: return "unexpected SessionType";
      case negotiation_errc::unacceptable_result: return "negotiated value not acceptable";
      case negotiation_errc::unanswered_offer: return "offered key not answered";
      case negotiation_errc::invalid_settings: return "invalid local negotiation settings";
    }
    return "unknown iscsi.negotiation error";
  }
};

}  // namespace

const std::error_category& negotiation_category() noexcept {
  static const NegotiationCategory category;
  return category;
}

std::error_code make_error_code(negotiation_errc e) noexcept {
  return {static_cast<int>(e), negotiation_category()};
}

}  // namespace uiscsi::iscsi
