// The receive side of a connection: one loop per connection reads PDUs and hands each to
// the task it belongs to. It never waits for anything but the transport, so a slow task
// owner cannot stall the connection; whatever has to be sent in answer (a NOP-Out, a
// Logout) is sent from a coroutine of its own.
#include <cstring>

#include "initiator/detail/iovec.h"
#include "initiator/detail/session_core.h"
#include "initiator/error.h"

namespace uiscsi::initiator::detail {

namespace asio = boost::asio;
using iscsi::Opcode;

asio::awaitable<void> SessionCore::receive_loop(std::shared_ptr<Connection> connection) {
  for (;;) {
    offload::Received r = co_await connection->transport->receive();
    if (!connection->alive) co_return;  // closed by us: whatever it returned is moot
    if (r.ec) {
      connection_failed(*connection, "receive from " + connection->portal.to_string() + ": " + r.ec.message());
      co_return;
    }
    connection->last_received = Clock::now();
    std::string why = dispatch(connection, r.pdu);
    if (!why.empty()) {
      connection_failed(*connection, std::move(why));
      co_return;
    }
  }
}

Task* SessionCore::find(std::uint32_t itt, TaskKind kind) noexcept {
  const auto it = tasks_.find(itt);
  return it != tasks_.end() && it->second->kind == kind ? it->second : nullptr;
}

// A final answer. One for a task we no longer wait for (it was aborted, or timed out and
// was sent again under a new tag) is dropped: at ERL 0 nothing depends on it.
void SessionCore::complete(std::uint32_t itt, TaskKind kind, iscsi::Pdu& pdu) {
  Task* task = find(itt, kind);
  if (task == nullptr || task->done) return;
  task->response = std::move(pdu);
  task->done = true;
  task->progress = Clock::now();
  task->wake.notify();
}

std::string SessionCore::dispatch(const std::shared_ptr<Connection>& connection, iscsi::Pdu& pdu) {
  switch (pdu.bhs.opcode()) {
    case Opcode::scsi_data_in: on_data_in(*connection, pdu); return {};
    case Opcode::r2t: on_r2t(pdu); return {};
    case Opcode::scsi_response: {
      const auto r = iscsi::ScsiResponse::decode(pdu.bhs);
      acknowledge_status(*connection, r.stat_sn);
      update_window(r.exp_cmd_sn, r.max_cmd_sn);
      complete(r.initiator_task_tag, TaskKind::scsi, pdu);
      return {};
    }
    case Opcode::task_management_response: {
      const auto r = iscsi::TaskManagementResponse::decode(pdu.bhs);
      acknowledge_status(*connection, r.stat_sn);
      update_window(r.exp_cmd_sn, r.max_cmd_sn);
      complete(r.initiator_task_tag, TaskKind::task_management, pdu);
      return {};
    }
    case Opcode::text_response: {
      const auto r = iscsi::TextResponse::decode(pdu.bhs);
      acknowledge_status(*connection, r.stat_sn);
      update_window(r.exp_cmd_sn, r.max_cmd_sn);
      complete(r.initiator_task_tag, TaskKind::text, pdu);
      return {};
    }
    case Opcode::logout_response: {
      const auto r = iscsi::LogoutResponse::decode(pdu.bhs);
      acknowledge_status(*connection, r.stat_sn);
      update_window(r.exp_cmd_sn, r.max_cmd_sn);
      complete(r.initiator_task_tag, TaskKind::logout, pdu);
      return {};
    }
    case Opcode::nop_in: on_nop_in(connection, pdu); return {};
    case Opcode::async_message: on_async_message(connection, pdu); return {};
    case Opcode::reject: on_reject(*connection, pdu); return {};
    default:
      // RFC 7143 7.1.4.1 (ERL 0): a PDU that makes no sense here ends the connection.
      return "unexpected " + std::string(iscsi::name(pdu.bhs.opcode())) + " PDU in Full Feature Phase";
  }
}

void SessionCore::on_data_in(Connection& connection, iscsi::Pdu& pdu) {
  const auto d = iscsi::DataIn::decode(pdu.bhs);
  update_window(d.exp_cmd_sn, d.max_cmd_sn);
  Task* task = find(d.initiator_task_tag, TaskKind::scsi);
  if (task == nullptr || task->done) {
    if (d.status_present) acknowledge_status(connection, d.stat_sn);
    return;
  }
  const Command& command = *task->command;
  const std::uint32_t length = pdu.bhs.data_segment_length();
  // RFC 7143 11.7.4: the data must fall inside the Expected Data Transfer Length.
  if (command.direction != DataDirection::read || d.buffer_offset > command.transfer_length ||
      length > command.transfer_length - d.buffer_offset || (d.status_present && !d.final)) {
    task->failure = make_error_code(errc::protocol_error);
    task->wake.notify();
    if (d.status_present) acknowledge_status(connection, d.stat_sn);
    return;
  }
  // RFC 7143 11.7.5: DataSN counts the task's Data-In PDUs from 0. At ERL 0 a gap cannot be
  // filled by a SNACK; the command is sent again once it completes (scsi_task.cpp).
  if (d.data_sn != task->next_data_sn) task->data_sequence_error = true;
  task->next_data_sn = d.data_sn + 1;
  if (!pdu.data_placed) (void)copy_into(command.buffers, d.buffer_offset, pdu.data);
  task->data_in_bytes += length;
  task->progress = Clock::now();
  if (d.status_present) {
    // RFC 7143 11.7.4: phase collapse, the status rides on the last Data-In.
    acknowledge_status(connection, d.stat_sn);
    complete(d.initiator_task_tag, TaskKind::scsi, pdu);
  } else {
    task->wake.notify();  // progress moves the task's deadline
  }
  return;
}

void SessionCore::on_r2t(const iscsi::Pdu& pdu) {
  const auto r = iscsi::R2t::decode(pdu.bhs);
  // An R2T's StatSN is the next one, not a status to acknowledge (RFC 7143 11.8).
  update_window(r.exp_cmd_sn, r.max_cmd_sn);
  Task* task = find(r.initiator_task_tag, TaskKind::scsi);
  if (task == nullptr || task->done) return;
  const Command& command = *task->command;
  // RFC 7143 11.8.4: the requested range lies inside the Expected Data Transfer Length.
  if (command.direction != DataDirection::write || r.desired_data_transfer_length == 0 ||
      r.buffer_offset > command.transfer_length ||
      r.desired_data_transfer_length > command.transfer_length - r.buffer_offset) {
    task->failure = make_error_code(errc::protocol_error);
  } else {
    task->r2ts.push_back(r);
    task->progress = Clock::now();
  }
  task->wake.notify();
  return;
}

void SessionCore::on_nop_in(const std::shared_ptr<Connection>& connection, iscsi::Pdu& pdu) {
  const auto n = iscsi::NopIn::decode(pdu.bhs);
  update_window(n.exp_cmd_sn, n.max_cmd_sn);
  if (n.initiator_task_tag != iscsi::kReservedTag) {
    // The answer to our ping; it carries a status sequence number (RFC 7143 11.19).
    acknowledge_status(*connection, n.stat_sn);
    complete(n.initiator_task_tag, TaskKind::nop, pdu);
    return;
  }
  // The target's own ping. With a TTT it wants a NOP-Out back (RFC 7143 11.19.1); its
  // StatSN is not advanced, so there is nothing to acknowledge.
  if (n.target_transfer_tag == iscsi::kReservedTag) return;
  auto self = shared_from_this();
  spawn(executor_, [self, connection, n] { return self->answer_nop_in(connection, n); });
}

void SessionCore::on_async_message(const std::shared_ptr<Connection>& connection, const iscsi::Pdu& pdu) {
  const auto a = iscsi::AsyncMessage::decode(pdu.bhs);
  acknowledge_status(*connection, a.stat_sn);
  update_window(a.exp_cmd_sn, a.max_cmd_sn);
  auto self = shared_from_this();
  switch (a.async_event) {
    case iscsi::AsyncEvent::logout_request: {
      // RFC 7143 11.9.1: log out within Parameter3 seconds; we then log in again.
      const Milliseconds within{std::chrono::seconds(a.parameter3)};
      spawn(executor_, [self, connection, within] { return self->requested_logout(connection, within); });
      return;
    }
    case iscsi::AsyncEvent::connection_drop:
    case iscsi::AsyncEvent::session_drop:
      // Parameter2 is Time2Wait: do not reconnect before it has passed.
      reconnect_not_before_ = Clock::now() + std::chrono::seconds(a.parameter2);
      connection_failed(*connection, "the target announced that it drops the connection (Async Message)");
      return;
    case iscsi::AsyncEvent::negotiation_request:
      // RFC 7143 11.9.1: answer with a Text Request, which may be empty.
      spawn(executor_, [self]() -> asio::awaitable<void> { (void)co_await self->text({}); });
      return;
    case iscsi::AsyncEvent::task_termination:
      // Every task of that LUN is being terminated by the target: send them again.
      abort_lun_tasks(a.lun, nullptr);
      return;
    case iscsi::AsyncEvent::scsi_async_event:  // sense for the SCSI layer; nothing to do here
    case iscsi::AsyncEvent::vendor_specific:
      return;
  }
}

void SessionCore::on_reject(Connection& connection, const iscsi::Pdu& pdu) {
  const auto r = iscsi::Reject::decode(pdu.bhs);
  acknowledge_status(connection, r.stat_sn);
  update_window(r.exp_cmd_sn, r.max_cmd_sn);
  // RFC 7143 11.17: the data segment is the header of the rejected PDU; its ITT says which
  // task lost it.
  if (pdu.data.size() < iscsi::kBhsLength) return;
  iscsi::Bhs rejected;
  std::memcpy(rejected.raw.data(), pdu.data.data(), iscsi::kBhsLength);
  const auto it = tasks_.find(rejected.initiator_task_tag());
  if (it == tasks_.end()) return;
  Task& task = *it->second;
  if (r.reason == iscsi::RejectReason::waiting_for_logout) {
    task.aborted = true;  // the target wants a logout first; the command goes again after it
  } else {
    task.failure = make_error_code(r.reason);
  }
  task.wake.notify();
}

}  // namespace uiscsi::initiator::detail
