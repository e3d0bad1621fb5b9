#include "target/iscsi/error.h"

#include <string>

namespace uiscsi::target::iscsit {
namespace {

class IscsitCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "target.iscsi"; }

  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::protocol_error: return "protocol error in the data of a task";
      case errc::login_failed: return "login failed";
      case errc::login_timeout: return "login timed out";
      case errc::nop_timeout: return "no answer to NOP-In ping";
      case errc::logged_out: return "logged out";
      case errc::reinstated: return "replaced by a new login (reinstatement)";
      case errc::target_removed: return "target removed or initiator no longer allowed";
      case errc::target_reset: return "target cold reset";
      case errc::shutting_down: return "target shutting down";
      case errc::session_failed: return "another connection of the session failed";
      case errc::out_of_resources: return "out of resources";
      case errc::no_such_connection: return "no such connection";
    }
    return "unknown target.iscsi error";
  }
};

}  // namespace

const std::error_category& iscsit_category() noexcept {
  static const IscsitCategory category;
  return category;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), iscsit_category()}; }

}  // namespace uiscsi::target::iscsit
