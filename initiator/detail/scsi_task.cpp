// A SCSI command from submission to status: the CmdSN, the SCSI Command PDU with its
// immediate data, unsolicited and R2T-solicited Data-Out, and the result. A command that
// loses its connection, or is ended by task management, is sent again as a new task.
#include <algorithm>

#include "initiator/detail/iovec.h"
#include "initiator/detail/session_core.h"
#include "initiator/error.h"
#include "iscsi/scsi_status.h"
#include "iscsi/sense.h"

namespace uiscsi::initiator::detail {

namespace asio = boost::asio;

namespace {

CommandResult failed(std::error_code ec) {
  CommandResult r;
  r.ec = ec;
  return r;
}

// GOOD and CONDITION MET succeed; CHECK CONDITION is reported through its sense code when
// the sense data can be read, any other status as itself.
std::error_code status_error(std::uint8_t status, std::span<const std::byte> sense) {
  const auto s = static_cast<iscsi::scsi::Status>(status);
  if (s == iscsi::scsi::Status::good || s == iscsi::scsi::Status::condition_met) return {};
  if (s == iscsi::scsi::Status::check_condition) {
    iscsi::scsi::SenseData data;
    if (!iscsi::scsi::parse_sense(sense, data)) {
      if (auto ec = iscsi::scsi::make_error_code(data.code)) return ec;
    }
  }
  return iscsi::scsi::make_error_code(s);
}

// A GOOD read that brought fewer bytes than it claims to have transferred.
bool data_missing(const Task& task, const CommandResult& r) {
  if (task.command->direction != DataDirection::read || r.ec || !r.has_status) return false;
  std::uint32_t expected = task.command->transfer_length;
  if (r.residual_underflow) expected -= std::min(r.residual_count, expected);
  return task.data_in_bytes < expected;
}

}  // namespace

asio::awaitable<CommandResult> SessionCore::execute(const Command& command) {
  if (command.direction == DataDirection::none ? command.transfer_length != 0
                                               : total_size(command.buffers) < command.transfer_length) {
    co_return failed(make_error_code(errc::buffer_too_small));
  }
  unsigned retries = 0;
  EscalationStep escalation = EscalationStep::abort_task;
  for (bool first = true;; first = false) {
    if (auto ec = co_await wait_ready(true)) co_return failed(ec);
    if (!first) ++stats_.retried_commands;
    Task task(executor_, TaskKind::scsi);
    task.lun = command.lun;
    task.command = &command;
    task.connection = pick_connection();
    TaskRegistration registration(*this, task);
    // A non-immediate command takes the next CmdSN (RFC 7143 4.2.2.1); nothing may
    // suspend between here and the start of its send, so CmdSNs go out in order.
    task.cmd_sn = cmd_sn_++;
    if (command.direction == DataDirection::read && command.transfer_length > 0) {
      task.connection->transport->expect(task.itt, 0, command.buffers);
    }
    const Attempt attempt = co_await run_attempt(task, command, escalation);
    switch (attempt) {
      case Attempt::done: {
        CommandResult r = result_of(task);
        if (!task.data_sequence_error && !data_missing(task, r)) co_return r;
        // ERL 0 has no SNACK to fetch the missing Data-In: read it all again.
        if (++retries > config_.timeouts.command_retries) co_return failed(make_error_code(errc::data_lost));
        continue;
      }
      case Attempt::aborted:
        if (++retries > config_.timeouts.command_retries) co_return failed(make_error_code(errc::command_timeout));
        continue;
      case Attempt::lost:   // held: sent again on the next connection
      case Attempt::swept:  // ended by another task's LOGICAL UNIT RESET: not its fault
        continue;
      case Attempt::failed: co_return failed(task.failure);
    }
  }
}

asio::awaitable<SessionCore::Attempt> SessionCore::run_attempt(Task& task, const Command& command,
                                                               EscalationStep& step) {
  const iscsi::SessionParams& session = params_.session;
  Connection& connection = *task.connection;
  std::uint32_t immediate = 0;
  std::uint32_t unsolicited = 0;
  // RFC 7143 13.13-13.14: unsolicited data (immediate, then Data-Out with the reserved
  // TTT while InitialR2T=No) covers at most FirstBurstLength; the rest waits for R2Ts.
  if (command.direction == DataDirection::write && session.unsolicited_data_allowed()) {
    const std::uint32_t burst = std::min(command.transfer_length, session.first_burst_length);
    if (session.immediate_data) immediate = std::min(burst, connection.params.max_send_data_segment_length);
    unsolicited = session.initial_r2t ? immediate : burst;
  }
  task.progress = Clock::now();
  const auto send_failed = [&](std::error_code ec) {
    if (connection.alive) connection_failed(connection, "send to " + connection.portal.to_string() + ": " + ec.message());
    return Attempt::lost;
  };
  // F: no unsolicited Data-Out follows the command (RFC 7143 11.3.1).
  if (auto ec = co_await send_command(task, command, immediate, unsolicited == immediate)) co_return send_failed(ec);
  if (unsolicited > immediate) {
    if (auto ec = co_await send_data_out(task, command, iscsi::kReservedTag, immediate, unsolicited - immediate)) {
      co_return send_failed(ec);
    }
  }
  const Milliseconds timeout = command.timeout.value_or(config_.timeouts.command);
  for (;;) {
    if (task.done) co_return Attempt::done;
    if (task.lost) co_return Attempt::lost;
    if (task.failure) co_return Attempt::failed;
    if (task.aborted) co_return Attempt::swept;
    if (!task.r2ts.empty()) {
      const iscsi::R2t r2t = task.r2ts.front();
      task.r2ts.pop_front();
      if (auto ec = co_await send_data_out(task, command, r2t.target_transfer_tag, r2t.buffer_offset,
                                           r2t.desired_data_transfer_length)) {
        co_return send_failed(ec);
      }
      continue;
    }
    const Clock::time_point deadline = task.progress + timeout;
    if (Clock::now() >= deadline) {
      const std::optional<EscalationStep> ended = co_await escalate(task, step);
      if (!ended) continue;  // something else ended the task meanwhile: look again
      if (*ended != EscalationStep::new_connection) step = EscalationStep(static_cast<std::uint8_t>(*ended) + 1);
      co_return Attempt::aborted;
    }
    (void)co_await task.wake.wait_until(deadline);
  }
}

asio::awaitable<std::error_code> SessionCore::send_command(Task& task, const Command& command,
                                                          std::uint32_t immediate_length, bool final) {
  iscsi::ScsiCommand pdu;
  pdu.final = final;
  pdu.read = command.direction == DataDirection::read;
  pdu.write = command.direction == DataDirection::write;
  pdu.attr = command.attribute;
  pdu.lun = command.lun;
  pdu.initiator_task_tag = task.itt;
  pdu.expected_data_transfer_length = command.transfer_length;
  pdu.cmd_sn = task.cmd_sn;
  pdu.exp_stat_sn = task.connection->exp_stat_sn;
  pdu.set_cdb(command.cdb.view());
  std::vector<std::byte> ahs;
  pdu.encode_ahs(ahs);
  std::vector<iovec> data;
  slice(command.buffers, 0, immediate_length, data);
  const iscsi::OutgoingPdu out{.bhs = pdu.encode(), .ahs = ahs, .data = data};
  co_return co_await task.connection->transport->send(out);
}

// One Data-Out sequence (RFC 7143 11.7): bytes [offset, offset + length) of the command's
// buffers in PDUs of at most the target's MaxRecvDataSegmentLength, DataSN from 0, F on
// the last. Stops early (without error) once the task has ended: the rest is not wanted.
asio::awaitable<std::error_code> SessionCore::send_data_out(Task& task, const Command& command,
                                                           std::uint32_t target_transfer_tag,
                                                           std::uint32_t offset, std::uint32_t length) {
  const std::uint32_t max_segment = task.connection->params.max_send_data_segment_length;
  std::vector<iovec> data;
  std::uint32_t data_sn = 0;
  for (std::uint32_t sent = 0; sent < length;) {
    if (task.lost || task.aborted || task.failure || task.done) co_return std::error_code{};
    const std::uint32_t n = std::min(max_segment, length - sent);
    iscsi::DataOut pdu;
    pdu.final = sent + n == length;
    pdu.lun = command.lun;
    pdu.initiator_task_tag = task.itt;
    pdu.target_transfer_tag = target_transfer_tag;
    pdu.exp_stat_sn = task.connection->exp_stat_sn;
    pdu.data_sn = data_sn++;
    pdu.buffer_offset = offset + sent;
    data.clear();
    slice(command.buffers, offset + sent, n, data);
    const iscsi::OutgoingPdu out{.bhs = pdu.encode(), .ahs = {}, .data = data};
    if (auto ec = co_await task.connection->transport->send(out)) co_return ec;
    sent += n;
  }
  co_return std::error_code{};
}

CommandResult SessionCore::result_of(const Task& task) const {
  CommandResult r;
  r.data_in_bytes = task.data_in_bytes;
  const iscsi::Bhs& bhs = task.response.bhs;
  std::span<const std::byte> sense;
  if (bhs.opcode() == iscsi::Opcode::scsi_data_in) {
    const auto d = iscsi::DataIn::decode(bhs);
    r.status = d.status;
    r.residual_underflow = d.residual_underflow;
    r.residual_overflow = d.residual_overflow;
    r.residual_count = d.residual_count;
  } else {
    const auto s = iscsi::ScsiResponse::decode(bhs);
    if (s.response != iscsi::ServiceResponse::command_completed_at_target) {
      r.ec = make_error_code(errc::target_failure);
      return r;
    }
    r.status = s.status;
    r.residual_underflow = s.residual_underflow;
    r.residual_overflow = s.residual_overflow;
    r.residual_count = s.residual_count;
    std::span<const std::byte> response_data;
    if (iscsi::scsi::split_sense_segment(task.response.data, sense, response_data)) sense = {};
    r.sense.assign(sense.begin(), sense.end());
  }
  r.has_status = true;
  r.ec = status_error(r.status, sense);
  return r;
}

}  // namespace uiscsi::initiator::detail
