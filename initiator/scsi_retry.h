// Sending a SCSI command again when the target says "not now" rather than "no". These are
// SCSI conditions, not transport faults (those are the session's, initiator/recovery.h):
//  - UNIT ATTENTION: the target reports an event (power on, reset, a new I_T nexus after
//    session reinstatement, changed parameters) once, instead of running the command
//    (SAM-5 5.14). The first command after every login gets one from most targets.
//  - BUSY, TASK SET FULL (SAM-5 5.3.1): try again after a pause.
//  - NOT READY, LOGICAL UNIT IS IN PROCESS OF BECOMING READY (ASC/ASCQ 04h/01h).
// Every other status goes back to the caller as it is.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "initiator/command.h"
#include "initiator/config.h"

namespace uiscsi::initiator {

class Session;

struct RetryPolicy {
  unsigned unit_attentions = 8;  // a burst of pending events is reported one per command
  unsigned busy = 50;
  Milliseconds busy_delay{20};
  unsigned becoming_ready = 50;
  Milliseconds becoming_ready_delay{100};
};

// Session::execute() with the retries above. `session` must outlive the awaitable.
boost::asio::awaitable<CommandResult> execute_with_retries(Session& session, const Command& command,
                                                           const RetryPolicy& policy = {});

}  // namespace uiscsi::initiator
