// NOP-Out pings (RFC 7143 11.18): when nothing has come from the target for
// Timeouts::nop_interval, ask it for a NOP-In; without one within nop_timeout the
// connection is dead even if TCP has not noticed (a cable pulled, a target hung, an offload
// path stalled after setup), and recovery takes over.
#include "initiator/detail/session_core.h"

namespace uiscsi::initiator::detail {

namespace asio = boost::asio;

asio::awaitable<void> SessionCore::keepalive_loop() {
  const Milliseconds interval = config_.timeouts.nop_interval;
  if (interval.count() <= 0) co_return;
  for (;;) {
    (void)co_await keepalive_wake_.wait_until(Clock::now() + interval);
    if (state_ == SessionState::closed || state_ == SessionState::failed) co_return;
    // Each connection of the session is pinged on its own: MC/S connections fail alone.
    const std::vector<std::shared_ptr<Connection>> connections = connections_;
    for (const std::shared_ptr<Connection>& connection : connections) {
      if (state_ != SessionState::logged_in || !connection->alive) continue;
      if (Clock::now() - connection->last_received < interval) continue;
      const bool answered = co_await ping(connection);
      if (!answered && connection->alive) {
        ++stats_.nop_timeouts;
        connection_failed(*connection, "no NOP-In from " + connection->portal.to_string() + " within " +
                                           std::to_string(config_.timeouts.nop_timeout.count()) + " ms");
      }
    }
  }
}

asio::awaitable<bool> SessionCore::ping(std::shared_ptr<Connection> connection) {
  Task task(executor_, TaskKind::nop);
  task.connection = std::move(connection);
  TaskRegistration registration(*this, task);
  iscsi::NopOut nop;
  // A ping: our ITT asks for a NOP-In; immediate, so it needs no window slot.
  nop.immediate = true;
  nop.initiator_task_tag = task.itt;
  nop.target_transfer_tag = iscsi::kReservedTag;
  nop.cmd_sn = cmd_sn_;
  nop.exp_stat_sn = task.connection->exp_stat_sn;
  iscsi::OutgoingPdu pdu{.bhs = nop.encode(), .ahs = {}, .data = {}};
  const std::error_code ec = co_await exchange(task, pdu, config_.timeouts.nop_timeout);
  co_return !ec;
}

}  // namespace uiscsi::initiator::detail
