#include "iscsi/chap_error.h"

#include <string>

namespace uiscsi::iscsi {
namespace {

class ChapCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "iscsi.chap"; }

  std::string message(int ev) const override {
    switch (static_cast<chap_errc>(ev)) {
      case chap_errc::unsupported_algorithm: return "no acceptable CHAP algorithm (CHAP_A)";
      case chap_errc::malformed_value: return "malformed CHAP value";
      case chap_errc::missing_key: return "missing CHAP key";
      case chap_errc::unexpected_key: return "CHAP key not expected at this step";
      case chap_errc::duplicate_key: return "CHAP key repeated";
      case chap_errc::bad_identifier: return "CHAP_I is not a number in 0..255";
      case chap_errc::bad_challenge_length: return "CHAP_C length not acceptable";
      case chap_errc::bad_response_length: return "CHAP_R length does not match the algorithm";
      case chap_errc::reflected_challenge: return "CHAP_C reflects the challenge we sent";
      case chap_errc::unknown_name: return "CHAP_N is not the expected name";
      case chap_errc::authentication_failed: return "CHAP response does not match";
      case chap_errc::mutual_not_configured: return "target authentication requested but not configured";
      case chap_errc::invalid_config: return "invalid CHAP configuration";
      case chap_errc::same_secret: return "the same CHAP secret is configured for both directions";
      case chap_errc::crypto_failure: return "OpenSSL failure in CHAP";
    }
    return "unknown iscsi.chap error";
  }
};

}  // namespace

const std::error_category& chap_category() noexcept {
  static const ChapCategory category;
  return category;
}

std::error_code make_error_code(chap_errc e) noexcept { return {static_cast<int>(e), chap_category()}; }

LoginStatus chap_login_status(const std::error_code& ec) noexcept {
  if (!ec) return LoginStatus::success;
  if (ec.category() == login_category()) return static_cast<LoginStatus>(ec.value());
  if (ec.category() != chap_category()) return LoginStatus::target_error;
  switch (static_cast<chap_errc>(ec.value())) {
    case chap_errc::invalid_config:
    case chap_errc::same_secret:
    case chap_errc::crypto_failure: return LoginStatus::target_error;
    default: return LoginStatus::authentication_failure;
  }
}

}  // namespace uiscsi::iscsi
