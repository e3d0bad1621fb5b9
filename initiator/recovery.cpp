// Timeout escalation and session reinstatement: the policy is described in
// initiator/recovery.h; this is the SessionCore's part of it.
#include <algorithm>

#include "initiator/detail/session_core.h"
#include "initiator/error.h"
#include "initiator/recovery.h"

namespace uiscsi::initiator::detail {

namespace asio = boost::asio;

asio::awaitable<std::optional<EscalationStep>> SessionCore::escalate(Task& task, EscalationStep from) {
  ++stats_.command_timeouts;
  const auto settled = [&task] { return task.done || task.lost || task.aborted || bool(task.failure); };
  // One escalation at a time: a LOGICAL UNIT RESET or a new connection of another task may
  // end this one too, and 32 tasks stuck behind one lost command should not send 32 resets.
  while (escalating_) {
    co_await escalation_done_.wait(executor_);
    if (settled()) co_return std::nullopt;
  }
  escalating_ = true;
  struct Release {
    SessionCore& core;
    ~Release() {
      core.escalating_ = false;
      core.escalation_done_.notify_all();
    }
  } release{*this};
  const std::shared_ptr<Connection> connection = task.connection;

  // 1. ABORT TASK. "Task does not exist" means the target never got the command or has
  // already answered it (and the answer was lost): either way the task is over.
  if (from <= EscalationStep::abort_task) {
    const TmfOutcome abort =
        co_await task_management(iscsi::TmfFunction::abort_task, task.lun, task.itt, task.cmd_sn, task.connection);
    if (settled()) co_return std::nullopt;
    if (!abort.ec && (abort.response == iscsi::TmfResponse::function_complete ||
                      abort.response == iscsi::TmfResponse::task_does_not_exist)) {
      ++stats_.aborts;
      co_return EscalationStep::abort_task;
    }
  }

  // 2. LOGICAL UNIT RESET: ends every task of the LUN.
  if (from <= EscalationStep::lun_reset) {
    const TmfOutcome reset = co_await task_management(iscsi::TmfFunction::logical_unit_reset, task.lun);
    if (settled()) co_return std::nullopt;
    if (!reset.ec && reset.response == iscsi::TmfResponse::function_complete) {
      ++stats_.lun_resets;
      abort_lun_tasks(task.lun, &task);
      co_return EscalationStep::lun_reset;
    }
  }

  // 3. Task management did not help: only a new session clears the target's state (its
  // tasks, and a CmdSN sequence stuck at a command it never received).
  connection_failed(*connection, "a task timed out and task management did not end it");
  co_return EscalationStep::new_connection;
}

asio::awaitable<void> SessionCore::recovery_loop() {
  for (;;) {
    while (state_ != SessionState::recovering) {
      if (state_ == SessionState::closed || state_ == SessionState::failed) co_return;
      co_await recovery_wake_.wait();
    }
    const Clock::time_point deadline = lost_at_ + config_.timeouts.replacement;
    Milliseconds delay = config_.timeouts.reconnect_delay;
    while (state_ == SessionState::recovering) {
      const Clock::time_point now = Clock::now();
      if (now >= deadline) {
        last_error_ = "no new connection within the replacement timeout (" +
                      std::to_string(config_.timeouts.replacement.count()) + " ms); last error: " + last_error_;
        set_state(SessionState::failed);
        break;
      }
      if (reconnect_not_before_ > now) {
        (void)co_await recovery_wake_.wait_until(std::min(reconnect_not_before_, deadline));
        continue;
      }
      // RFC 7143 6.3.5: the same ISID with TSIH 0 reinstates the session; the target ends
      // the old one (and its tasks), so everything outstanding is simply sent again.
      SessionConfig attempt = config_;
      attempt.timeouts.login = std::clamp(std::chrono::duration_cast<Milliseconds>(deadline - now),
                                          Milliseconds{1}, config_.timeouts.login);
      const LoginState login{.isid = isid_, .tsih = 0, .cid = 0, .cmd_sn = cmd_sn_, .exp_stat_sn = 0, .session = {}};
      Established e = co_await connect_and_login(connector_, attempt, login, config_.portal);
      if (state_ != SessionState::recovering) {
        if (e.transport) e.transport->close();
        break;
      }
      if (!e.login.ec) {
        ++stats_.reinstatements;
        const Portal portal = e.portal;
        install(std::move(e));
        co_await add_connections(epoch_, portal);
        break;
      }
      last_error_ = e.login.error;
      (void)co_await recovery_wake_.wait_until(std::min(Clock::now() + delay, deadline));
      delay = std::min(delay * 2, config_.timeouts.reconnect_delay_max);
    }
  }
}

}  // namespace uiscsi::initiator::detail
