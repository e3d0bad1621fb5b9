#include "iscsi/login_status.h"

#include <cstdio>
#include <string>

namespace uiscsi::iscsi {
namespace {

class LoginCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "iscsi.login"; }

  // "initiator error: authentication failure (0x0201)"
  std::string message(int ev) const override {
    const auto s = static_cast<LoginStatus>(static_cast<std::uint16_t>(ev));
    char code[16];
    std::snprintf(code, sizeof code, " (0x%04x)", static_cast<unsigned>(ev) & 0xffffu);
    std::string text{status_class_text(status_class(s))};
    text += ": ";
    text += status_detail_text(s);
    text += code;
    return text;
  }
};

}  // namespace

std::string_view status_class_text(std::uint8_t status_class) noexcept {
  switch (static_cast<LoginStatusClass>(status_class)) {
    case LoginStatusClass::success: return "success";
    case LoginStatusClass::redirection: return "redirection";
    case LoginStatusClass::initiator_error: return "initiator error";
    case LoginStatusClass::target_error: return "target error";
  }
  return "unknown class";
}

std::string_view status_detail_text(LoginStatus s) noexcept {
  switch (s) {
    case LoginStatus::success: return "success";
    case LoginStatus::target_moved_temporarily: return "target moved temporarily";
    case LoginStatus::target_moved_permanently: return "target moved permanently";
    case LoginStatus::initiator_error: return "miscellaneous initiator error";
    case LoginStatus::authentication_failure: return "authentication failure";
    case LoginStatus::authorization_failure: return "authorization failure";
    case LoginStatus::not_found: return "target not found";
    case LoginStatus::target_removed: return "target removed";
    case LoginStatus::unsupported_version: return "unsupported version";
    case LoginStatus::too_many_connections: return "too many connections";
    case LoginStatus::missing_parameter: return "missing parameter";
    case LoginStatus::cannot_include_in_session: return "cannot include in session";
    case LoginStatus::session_type_not_supported: return "session type not supported";
    case LoginStatus::session_does_not_exist: return "session does not exist";
    case LoginStatus::invalid_during_login: return "invalid request during login";
    case LoginStatus::target_error: return "miscellaneous target error";
    case LoginStatus::service_unavailable: return "service unavailable";
    case LoginStatus::out_of_resources: return "out of resources";
  }
  return "unknown detail";
}

const std::error_category& login_category() noexcept {
  static const LoginCategory category;
  return category;
}

std::error_code make_error_code(LoginStatus s) noexcept {
  return {static_cast<int>(s), login_category()};
}

}  // namespace uiscsi::iscsi
