#include "iscsi/reject.h"

#include <string>

namespace uiscsi::iscsi {
namespace {

class RejectCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "iscsi.reject"; }

  std::string message(int ev) const override {
    switch (static_cast<RejectReason>(ev)) {
      case RejectReason::data_digest_error: return "Data (payload) digest error";
      case RejectReason::snack_reject: return "SNACK Reject";
      case RejectReason::protocol_error: return "Protocol Error";
      case RejectReason::command_not_supported: return "Command not supported";
      case RejectReason::immediate_command_reject: return "Immediate command reject";
      case RejectReason::task_in_progress: return "Task in progress";
      case RejectReason::invalid_data_ack: return "Invalid data ack";
      case RejectReason::invalid_pdu_field: return "Invalid PDU field";
      case RejectReason::long_op_reject: return "Long op reject";
      case RejectReason::deprecated_negotiation_reset: return "Deprecated reason code";
      case RejectReason::waiting_for_logout: return "Waiting for Logout";
    }
    return "Reject reason " + std::to_string(ev);
  }
};

}  // namespace

const std::error_category& reject_category() noexcept {
  static const RejectCategory category;
  return category;
}

std::error_code make_error_code(RejectReason r) noexcept {
  return {static_cast<int>(r), reject_category()};
}

}  // namespace uiscsi::iscsi
