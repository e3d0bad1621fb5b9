#include "initiator/daemon/iscsi_err.h"

#include <array>

#include "initiator/error.h"
#include "iscsi/chap_error.h"
#include "iscsi/login_status.h"
#include "offload/error.h"

namespace uiscsi::initiator::daemon {

std::string_view iscsi_err_text(int code) noexcept {
  // open-iscsi's usr/iscsi_err.c, by code.
  static constexpr std::array<std::string_view, 29> kText{
      "",
      "unknown error",
      "session not found",
      "no available memory",
      "encountered connection failure",
      "encountered iSCSI login failure",
      "encountered iSCSI database failure",
      "invalid parameter",
      "connection timed out",
      "internal error",
      "encountered iSCSI logout failure",
      "iSCSI PDU timed out",
      "iSCSI driver not found. Please make sure it is loaded, and retry the operation",
      "daemon access denied",
      "iSCSI driver does not support requested capability.",
      "session exists",
      "Unknown request",
      "iSNS service not supported",
      "could not communicate to iscsid",
      "encountered non-retryable iSCSI login failure",
      "could not connect to iscsid",
      "no objects found",
      "sysfs lookup failure",
      "host not found",
      "iSCSI login failed due to authorization failure",
      "iSNS query failed",
      "iSNS registration failed",
      "operation not supported",
      "device or resource in use",
  };
  if (code < 0 || static_cast<std::size_t>(code) >= kText.size()) return "unknown error";
  return kText[static_cast<std::size_t>(code)];
}

int login_error_status(const std::error_code& ec) noexcept {
  if (!ec) return kErrSuccess;
  if (ec.category() == iscsi::login_category()) {
    const auto status = static_cast<iscsi::LoginStatus>(ec.value());
    switch (status) {
      case iscsi::LoginStatus::authentication_failure:
      case iscsi::LoginStatus::authorization_failure:
        return kErrLoginAuthFailed;
      case iscsi::LoginStatus::not_found:
      case iscsi::LoginStatus::target_removed:
        return kErrFatalLogin;
      default:
        return kErrLogin;
    }
  }
  // Our side of CHAP failed: the target's answer did not prove its identity (mutual CHAP),
  // or no algorithm in common.
  if (ec.category() == iscsi::chap_category()) return kErrLoginAuthFailed;
  if (ec.category() == initiator_category()) {
    switch (static_cast<errc>(ec.value())) {
      case errc::auth_method_refused:
      case errc::target_not_authenticated:
        return kErrLoginAuthFailed;
      case errc::login_timeout:
        return kErrTransportTimeout;
      case errc::invalid_config:
        return kErrInvalid;
      default:
        return kErrLogin;
    }
  }
  if (ec == offload::errc::path_unavailable) return kErrTransportNotFound;
  if (ec.category() == std::system_category() || ec.category() == std::generic_category()) return kErrTransport;
  return kErrLogin;
}

}  // namespace uiscsi::initiator::daemon
