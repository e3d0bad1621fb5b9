// Errors of the initiator library, the "uiscsi.initiator" category.
//
// What an operation returns is always a std::error_code; this category holds the errors
// that belong to the initiator itself. Other layers keep their own categories: a refused
// login arrives as iscsi::LoginStatus ("iscsi.login"), a CHECK CONDITION as a sense code
// ("scsi.sense"), another SCSI status as "scsi.status", a Reject as "iscsi.reject", key
// negotiation and CHAP failures as "iscsi.negotiation" / "iscsi.chap", and transport
// failures as "offload" or system errors.
//
// Each value maps to a portable std::errc condition (default_error_condition), so a
// consumer such as an NBD server can turn any of them into an errno: session_failed
// compares equal to std::errc::io_error (EIO), command_timeout to std::errc::timed_out.
#pragma once

#include <system_error>

namespace uiscsi::initiator {

enum class errc {
  // The connection was lost and no new one could be logged in within replacement_timeout:
  // the held I/O and every later command fail with this (EIO) until the session is closed.
  session_failed = 1,
  // logout() or close() ran; nothing more is sent on this session.
  session_closed,
  // The task did not complete within its timeout, and after ABORT TASK / LOGICAL UNIT RESET
  // and the configured retries it still did not.
  command_timeout,
  // The connection this operation was running on broke. Only operations that are never
  // retried see it (text requests, task management); SCSI commands are held and retried.
  connection_lost,
  // The target broke RFC 7143 in a way that makes this task's outcome unknowable (an R2T
  // or a Data-In outside the task's buffer, a response to a task we did not send...).
  protocol_error,
  // The login did not complete within Timeouts::login.
  login_timeout,
  // Redirected more often than SessionConfig::max_redirects allows (RFC 7143 11.13.5,
  // Status-Class 1).
  too_many_redirects,
  // A TargetAddress we cannot use: not "host[:port][,tpgt]" with a numeric host.
  bad_target_address,
  // The target chose an AuthMethod our configuration does not allow (CHAP is configured and
  // the target settled on None, or the reverse).
  auth_method_refused,
  // Mutual CHAP: the target left the security stage without proving its identity
  // (RFC 7143 12.1.3: the initiator must then end the login).
  target_not_authenticated,
  // A task management function was refused, answered "function rejected", or timed out.
  task_management_failed,
  // The Logout Response said the logout failed (RFC 7143 11.15.1).
  logout_failed,
  // A block I/O whose offset or length is not a multiple of the logical block size.
  unaligned,
  // A block I/O beyond the end of the logical unit.
  out_of_range,
  // The logical unit does not support what was asked (UNMAP, GET LBA STATUS, ...).
  not_supported,
  // Our own configuration is unusable (missing initiator name, empty CHAP secret, ...).
  invalid_config,
  // A buffer list that holds fewer bytes than the transfer length it was given with.
  buffer_too_small,
  // The SCSI Response said "Target Failure" (RFC 7143 11.4.3): no SCSI status.
  target_failure,
  // A read completed without all of its Data-In (a DataSN gap or missing bytes), and sending
  // it again did not help.
  data_lost,
};

const std::error_category& initiator_category() noexcept;
std::error_code make_error_code(errc e) noexcept;

}  // namespace uiscsi::initiator

template <>
struct std::is_error_code_enum<uiscsi::initiator::errc> : std::true_type {};
