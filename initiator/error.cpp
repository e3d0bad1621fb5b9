#include "initiator/error.h"

#include <string>

namespace uiscsi::initiator {
namespace {

class InitiatorCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "uiscsi.initiator"; }

  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::session_failed: return "session failed: no connection within the replacement timeout";
      case errc::session_closed: return "session closed";
      case errc::command_timeout: return "command timed out";
      case errc::connection_lost: return "connection lost";
      case errc::protocol_error: return "iSCSI protocol error by the target";
      case errc::login_timeout: return "login timed out";
      case errc::too_many_redirects: return "too many login redirections";
      case errc::bad_target_address: return "unusable TargetAddress";
      case errc::auth_method_refused: return "the target chose an AuthMethod we do not allow";
      case errc::target_not_authenticated: return "the target did not authenticate itself (mutual CHAP)";
      case errc::task_management_failed: return "task management function failed";
      case errc::logout_failed: return "logout failed";
      case errc::unaligned: return "offset or length not a multiple of the block size";
      case errc::out_of_range: return "beyond the end of the logical unit";
      case errc::not_supported: return "not supported by the logical unit";
      case errc::invalid_config: return "invalid initiator configuration";
      case errc::buffer_too_small: return "buffers smaller than the transfer length";
      case errc::target_failure: return "the target reported a failure (SCSI Response: Target Failure)";
      case errc::data_lost: return "Data-In lost";
    }
    return "unknown initiator error";
  }

  std::error_condition default_error_condition(int ev) const noexcept override {
    switch (static_cast<errc>(ev)) {
      case errc::session_failed: return std::errc::io_error;
      case errc::session_closed: return std::errc::not_connected;
      case errc::command_timeout: return std::errc::timed_out;
      case errc::connection_lost: return std::errc::connection_aborted;
      case errc::protocol_error: return std::errc::protocol_error;
      case errc::login_timeout: return std::errc::timed_out;
      case errc::too_many_redirects: return std::errc::too_many_links;
      case errc::bad_target_address: return std::errc::address_not_available;
      case errc::auth_method_refused: return std::errc::permission_denied;
      case errc::target_not_authenticated: return std::errc::permission_denied;
      case errc::task_management_failed: return std::errc::io_error;
      case errc::logout_failed: return std::errc::io_error;
      case errc::unaligned: return std::errc::invalid_argument;
      case errc::out_of_range: return std::errc::invalid_argument;
      case errc::not_supported: return std::errc::operation_not_supported;
      case errc::invalid_config: return std::errc::invalid_argument;
      case errc::buffer_too_small: return std::errc::no_buffer_space;
      case errc::target_failure: return std::errc::io_error;
      case errc::data_lost: return std::errc::io_error;
    }
    return {ev, *this};
  }
};

}  // namespace

const std::error_category& initiator_category() noexcept {
  static const InitiatorCategory category;
  return category;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), initiator_category()}; }

}  // namespace uiscsi::initiator
