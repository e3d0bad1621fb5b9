// The exchanges that are not SCSI commands: task management, text, logout, and the NOP-Out
// that answers a target's NOP-In. Each is one task: a request, an answer, a timeout.
#include "initiator/detail/session_core.h"
#include "initiator/error.h"
#include "iscsi/text_continuation.h"

namespace uiscsi::initiator::detail {

namespace asio = boost::asio;

namespace {

// A SendTargets answer for a large target may run to many PDUs; it is still bounded.
constexpr std::size_t kMaxTextResponse = 1024 * 1024;

}  // namespace

asio::awaitable<std::error_code> SessionCore::exchange(Task& task, iscsi::OutgoingPdu& pdu, Milliseconds timeout) {
  Connection& connection = *task.connection;
  task.done = false;
  if (!connection.alive) co_return task.lost ? closed_error() : make_error_code(errc::connection_lost);
  if (auto ec = co_await connection.transport->send(pdu)) {
    if (connection.alive) connection_failed(connection, "send to " + connection.portal.to_string() + ": " + ec.message());
  }
  const Clock::time_point deadline = Clock::now() + timeout;
  for (;;) {
    if (task.done) co_return std::error_code{};
    if (task.failure) co_return task.failure;
    if (task.lost) {
      co_return state_ == SessionState::closed ? make_error_code(errc::session_closed)
                                               : make_error_code(errc::connection_lost);
    }
    // (co_await is kept out of conditions: GCC 12 miscompiles some of those.)
    const bool woken = co_await task.wake.wait_until(deadline);
    if (!woken && !task.done && !task.lost && !task.failure) co_return make_error_code(std::errc::timed_out);
  }
}

asio::awaitable<SessionCore::TmfOutcome> SessionCore::task_management(iscsi::TmfFunction function,
                                                                      std::uint64_t lun,
                                                                      std::uint32_t referenced_itt,
                                                                      std::uint32_t ref_cmd_sn,
                                                                      std::shared_ptr<Connection> connection) {
  if (state_ != SessionState::logged_in && state_ != SessionState::draining) {
    co_return TmfOutcome{state_ == SessionState::recovering ? make_error_code(errc::connection_lost) : closed_error()};
  }
  Task task(executor_, TaskKind::task_management);
  task.lun = lun;
  task.connection = connection ? std::move(connection) : leading();
  TaskRegistration registration(*this, task);
  iscsi::TaskManagementRequest request;
  // Immediate: it must overtake the commands it is about (RFC 7143 11.5), and carries the
  // next CmdSN without using it up.
  request.immediate = true;
  request.function = function;
  request.lun = lun;
  request.initiator_task_tag = task.itt;
  request.referenced_task_tag = referenced_itt;
  request.cmd_sn = cmd_sn_;
  request.exp_stat_sn = task.connection->exp_stat_sn;
  // RFC 7143 11.5.1: with RefCmdSN the target can tell a command it never received from
  // one already done, and treats the former's CmdSN as received (closing the gap).
  request.ref_cmd_sn = ref_cmd_sn;
  iscsi::OutgoingPdu pdu{.bhs = request.encode(), .ahs = {}, .data = {}};
  if (auto ec = co_await exchange(task, pdu, config_.timeouts.task_management)) {
    co_return TmfOutcome{ec == std::errc::timed_out ? make_error_code(errc::task_management_failed) : ec};
  }
  co_return TmfOutcome{{}, iscsi::TaskManagementResponse::decode(task.response.bhs).response};
}

asio::awaitable<std::error_code> SessionCore::reset_lun(std::uint64_t lun) {
  const TmfOutcome outcome = co_await task_management(iscsi::TmfFunction::logical_unit_reset, lun);
  if (outcome.ec) co_return outcome.ec;
  if (outcome.response != iscsi::TmfResponse::function_complete) co_return make_error_code(errc::task_management_failed);
  ++stats_.lun_resets;
  // RFC 7143 11.5.1: the reset ended every task of the LUN; no response will come for them.
  abort_lun_tasks(lun, nullptr);
  co_return std::error_code{};
}

asio::awaitable<TextResult> SessionCore::text(iscsi::TextPairs request) {
  TextResult out;
  std::vector<std::byte> wire;
  if ((out.ec = iscsi::serialize_text(request, wire))) co_return out;
  if ((out.ec = co_await wait_ready(true))) co_return out;
  Task task(executor_, TaskKind::text);
  task.connection = leading();
  TaskRegistration registration(*this, task);
  std::vector<iscsi::TextSegment> segments;
  if ((out.ec = iscsi::split_text(wire, task.connection->params.max_send_data_segment_length, segments))) co_return out;

  iscsi::TextAccumulator answer(kMaxTextResponse);
  std::uint32_t ttt = iscsi::kReservedTag;
  // Our segments first (the target answers each continued one with an empty response and
  // a TTT), then empty requests for as long as the target's answer goes on (RFC 7143 11.10,
  // 11.11: C set, or F clear).
  for (std::size_t i = 0;; ++i) {
    const bool ours = i < segments.size();
    const std::span<const std::byte> data = ours ? segments[i].data : std::span<const std::byte>();
    const bool continued = ours && segments[i].continued;
    // Each Text Request is a non-immediate command of its own: a CmdSN and a window slot.
    if ((out.ec = co_await wait_ready(true))) co_return out;
    if (leading() != task.connection) {
      out.ec = make_error_code(errc::connection_lost);  // a text exchange is bound to its connection
      co_return out;
    }
    iscsi::TextRequest pdu;
    pdu.final = !continued;
    pdu.continue_ = continued;
    pdu.initiator_task_tag = task.itt;
    pdu.target_transfer_tag = ttt;
    pdu.cmd_sn = cmd_sn_++;
    pdu.exp_stat_sn = task.connection->exp_stat_sn;
    const iovec iov{const_cast<std::byte*>(data.data()), data.size()};
    iscsi::OutgoingPdu send{.bhs = pdu.encode(), .ahs = {},
                            .data = data.empty() ? std::span<const iovec>() : std::span<const iovec>(&iov, 1)};
    if (auto ec = co_await exchange(task, send, config_.timeouts.task_management)) {
      out.ec = ec == std::errc::timed_out ? make_error_code(errc::command_timeout) : ec;
      co_return out;
    }
    const auto response = iscsi::TextResponse::decode(task.response.bhs);
    ttt = response.target_transfer_tag;
    if (continued) continue;  // the answer to a partial request carries no text
    if ((out.ec = answer.append(task.response.data, response.continue_))) co_return out;
    if (answer.complete() && (out.ec = answer.take(out.pairs))) co_return out;
    if (response.final && !response.continue_) break;
  }
  co_return out;
}

asio::awaitable<void> SessionCore::drain(Clock::time_point deadline) {
  const auto busy = [this] {
    for (const auto& [itt, task] : tasks_) {
      if (task->kind == TaskKind::scsi) return true;
    }
    return false;
  };
  while (state_ == SessionState::draining && busy() && Clock::now() < deadline) {
    (void)co_await changed_.wait_until(executor_, deadline);
  }
}

asio::awaitable<std::error_code> SessionCore::send_logout(const std::shared_ptr<Connection>& connection) {
  Task task(executor_, TaskKind::logout);
  task.connection = connection;
  TaskRegistration registration(*this, task);
  iscsi::LogoutRequest request;
  request.immediate = true;
  request.reason = iscsi::LogoutReason::close_session;
  request.initiator_task_tag = task.itt;
  request.cmd_sn = cmd_sn_;
  request.exp_stat_sn = connection->exp_stat_sn;
  iscsi::OutgoingPdu pdu{.bhs = request.encode(), .ahs = {}, .data = {}};
  if (auto ec = co_await exchange(task, pdu, config_.timeouts.task_management)) {
    co_return ec == std::errc::timed_out ? make_error_code(errc::logout_failed) : ec;
  }
  const auto response = iscsi::LogoutResponse::decode(task.response.bhs);
  if (response.response != iscsi::LogoutResponseCode::closed_successfully) co_return make_error_code(errc::logout_failed);
  co_return std::error_code{};
}

asio::awaitable<std::error_code> SessionCore::logout() {
  switch (state_) {
    case SessionState::closed: co_return make_error_code(errc::session_closed);
    case SessionState::failed:
    case SessionState::recovering:
      // No connection to log out on: the target drops the session on its own.
      close();
      co_return std::error_code{};
    case SessionState::logged_in:
    case SessionState::draining: break;
  }
  user_logout_ = true;
  set_state(SessionState::draining);
  co_await drain(Clock::now() + config_.timeouts.command);
  std::error_code ec = make_error_code(errc::connection_lost);
  // Reason "close the session" on the leading connection ends all of them (RFC 7143 11.14).
  const std::shared_ptr<Connection> lead = leading();
  if (state_ == SessionState::draining && lead && lead->alive) ec = co_await send_logout(lead);
  close();
  co_return ec;
}

asio::awaitable<void> SessionCore::requested_logout(std::shared_ptr<Connection> connection, Milliseconds within) {
  if (!connection->alive || state_ != SessionState::logged_in) co_return;
  set_state(SessionState::draining);
  co_await drain(Clock::now() + within);
  if (state_ != SessionState::draining || !connection->alive) co_return;
  (void)co_await send_logout(connection);
  // Whatever the answer, this connection is done; recovery logs in again and sends what
  // did not finish.
  connection_failed(*connection, "logged out at the target's request (Async Message)");
}

asio::awaitable<void> SessionCore::answer_nop_in(std::shared_ptr<Connection> connection, iscsi::NopIn nop) {
  if (!connection->alive) co_return;
  iscsi::NopOut answer;
  // RFC 7143 11.18: the answer echoes the TTT, has the reserved ITT, and is immediate so
  // that it does not use up a CmdSN.
  answer.immediate = true;
  answer.lun = nop.lun;
  answer.initiator_task_tag = iscsi::kReservedTag;
  answer.target_transfer_tag = nop.target_transfer_tag;
  answer.cmd_sn = cmd_sn_;
  answer.exp_stat_sn = connection->exp_stat_sn;
  const iscsi::OutgoingPdu pdu{.bhs = answer.encode(), .ahs = {}, .data = {}};
  // A failure shows on the receive side as well, which handles it.
  (void)co_await connection->transport->send(pdu);
}

}  // namespace uiscsi::initiator::detail
