// Error escalation and session recovery (RFC 7143 6.3.5, 7.1, 7.2), as the session runs
// them. We negotiate ErrorRecoveryLevel=0, so every fault that is not confined to one task
// is recovered by a new connection and session reinstatement.
//
// A task that makes no progress for Timeouts::command (no Data-In, R2T or status):
//   1. ABORT TASK (RFC 7143 11.5.1), with RefCmdSN so that a command the target never
//      received plugs its hole in the CmdSN sequence. "Function complete" or "task does not
//      exist": the task is over.
//   2. otherwise LOGICAL UNIT RESET: every task on that LUN is over.
//   3. otherwise the connection is dropped, as for any lost connection.
// The command is then sent again, up to Timeouts::command_retries times; each further
// timeout of the same command starts one step higher than the step that ended the last
// one (a command that times out again after an ABORT TASK gets a LOGICAL UNIT RESET, then
// a new session). Past the retries it fails with errc::command_timeout. One escalation
// runs at a time per session; other tasks that time out meanwhile wait for it and then
// look at their own state again.
//
// A lost connection (a receive or send error, an unanswered NOP-Out ping, a failed
// escalation, the target's Async Message asking for a logout or announcing a drop): every
// outstanding SCSI command is held, and new ones queue. The session logs in again with
// the same ISID and TSIH 0 (session reinstatement: the target discards the old session,
// RFC 7143 6.3.5), retrying with a growing pause, for at most Timeouts::replacement. On
// success the held commands are sent again on the new connection; if
// the time runs out they and all later commands fail with errc::session_failed.
#pragma once

#include <cstdint>

namespace uiscsi::initiator {

// Counters of what recovery did, for `uiscsiadm` and tests. Read through Session::info().
struct RecoveryStats {
  std::uint64_t command_timeouts = 0;     // tasks that reached Timeouts::command
  std::uint64_t aborts = 0;               // ABORT TASK that ended a task
  std::uint64_t lun_resets = 0;           // LOGICAL UNIT RESET that ended the tasks of a LUN
  std::uint64_t connection_failures = 0;  // connections declared lost
  std::uint64_t reinstatements = 0;       // successful logins after a lost connection
  std::uint64_t retried_commands = 0;     // SCSI commands sent again
  std::uint64_t nop_timeouts = 0;         // NOP-Out pings not answered in time
};

}  // namespace uiscsi::initiator
