// Errors of the iSCSI engine (the "target.iscsi" category): why a task's data was refused,
// and why a connection or a session ended.
//
// These are not protocol answers (those are Login statuses, iscsi/login_status.h, Reject
// reasons, iscsi/reject.h, and sense data): they are kept for the log line and for tests. Transport errors (offload::errc, socket errors) and framing errors
// (iscsi::pdu_errc) keep their own categories.
#pragma once

#include <system_error>

namespace uiscsi::target::iscsit {

enum class errc {
  // The initiator broke a rule of RFC 7143 about the data of a task (unsolicited data the
  // negotiation does not allow, a Data-Out out of sequence, see task.h); the task fails.
  protocol_error = 1,
  // A Login Response with a failure status was sent (RFC 7143 11.13.5).
  login_failed,
  // The Login Phase took longer than Config::login_timeout.
  login_timeout,
  // No NOP-Out answered our NOP-In ping within NopConfig::timeout (RFC 7143 11.19).
  nop_timeout,
  // The initiator logged the connection or the session out (RFC 7143 11.14).
  logged_out,
  // A new login with the same InitiatorName and ISID replaced the session (RFC 7143
  // 6.3.5, session reinstatement at ErrorRecoveryLevel 0), or with the same CID replaced
  // the connection (connection reinstatement, 6.3.4).
  reinstated,
  // Configuration change: the target was removed or no longer allows the initiator.
  target_removed,
  // TARGET COLD RESET (RFC 7143 11.5.1): every session of the target ends.
  target_reset,
  // The server is shutting down (SIGTERM).
  shutting_down,
  // Another connection of the session failed, so at ErrorRecoveryLevel 0 the whole
  // session ends with it (RFC 7143 7.1.4.1).
  session_failed,
  // Too many tasks or too much buffered Data-Out for this connection.
  out_of_resources,
  // No live connection has the ID a control request named (ConnectionInfo::id).
  no_such_connection,
};

const std::error_category& iscsit_category() noexcept;
std::error_code make_error_code(errc e) noexcept;

}  // namespace uiscsi::target::iscsit

template <>
struct std::is_error_code_enum<uiscsi::target::iscsit::errc> : std::true_type {};
