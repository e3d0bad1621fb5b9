// Reject reasons (RFC 7143 11.17.1) as an error_code category, "iscsi.reject".
//
// The session layer turns a protocol violation into one of these and sends it in a Reject
// PDU (iscsi/pdu_reject.h); a receiving initiator turns the Reason byte back into an
// error_code. Values are the wire codes.
#pragma once

#include <cstdint>
#include <system_error>

namespace uiscsi::iscsi {

enum class RejectReason : std::uint8_t {
  data_digest_error = 0x02,
  snack_reject = 0x03,
  protocol_error = 0x04,
  command_not_supported = 0x05,
  immediate_command_reject = 0x06,  // too many immediate commands
  task_in_progress = 0x07,
  invalid_data_ack = 0x08,
  invalid_pdu_field = 0x09,
  long_op_reject = 0x0a,  // cannot generate a Target Transfer Tag; out of resources
  deprecated_negotiation_reset = 0x0b,  // RFC 7143: "MUST NOT be used"
  waiting_for_logout = 0x0c,
};

const std::error_category& reject_category() noexcept;
std::error_code make_error_code(RejectReason r) noexcept;

}  // namespace uiscsi::iscsi

template <>
struct std::is_error_code_enum<uiscsi::iscsi::RejectReason> : std::true_type {};
