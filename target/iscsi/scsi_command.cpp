// SCSI Command, Data-Out and R2T in, SCSI execution, Data-In and SCSI Response out
// (RFC 7143 3.2.4, 11.3, 11.4, 11.7, 11.8).
#include <algorithm>
#include <boost/asio/post.hpp>
#include <cstring>

#include "iscsi/sense.h"
#include "target/iscsi/connection.h"

namespace uiscsi::target::iscsit {

namespace asio = boost::asio;

namespace {

// The largest ExpectedDataTransferLength we buffer in either direction. LuConfig's default
// max_transfer_bytes (8 MiB) is far below it; a read asking for more gets at most this much
// and an honest residual, a write asking for more is refused.
constexpr std::uint32_t kMaxTransfer = 64u << 20;
// Data-Out bytes one connection may hold in buffers at once; beyond it writes are answered
// TASK SET FULL, so a flood of large writes cannot exhaust memory.
constexpr std::uint64_t kWriteBudget = 256u << 20;
// How many ended tasks are remembered so late Data-Out for them is dropped quietly.
constexpr std::size_t kRecentlyEnded = 64;

scsi::Response check_condition(iscsi::scsi::SenseKey key, iscsi::scsi::AdditionalSense asc) {
  scsi::Response r;
  r.status = scsi::Status::check_condition;
  iscsi::scsi::SenseData sense;
  sense.code = {key, asc};
  r.sense = iscsi::scsi::encode_sense(sense, iscsi::scsi::SenseFormat::fixed);
  return r;
}

// The SCSI Response data segment: SenseLength and the sense data (RFC 7143 11.4.7).
std::vector<std::byte> sense_segment(const scsi::Response& r) {
  if (r.sense.empty()) return {};
  return iscsi::scsi::encode_sense_segment(r.sense);
}

DataOutLimits limits_of(const iscsi::SessionParams& p) {
  return {p.first_burst_length, p.max_burst_length, std::max<std::uint32_t>(p.max_outstanding_r2t, 1), p.initial_r2t,
          p.immediate_data};
}

}  // namespace

void Connection::on_scsi_command(iscsi::Pdu pdu) {
  auto task = std::make_shared<Task>();
  std::error_code ec;
  task->command = iscsi::ScsiCommand::decode(pdu.bhs, pdu.ahs, ec);
  task->immediate = pdu.bhs.immediate();
  task->connection = weak_from_this();
  const iscsi::ScsiCommand& c = task->command;
  const std::uint32_t immediate_length = pdu.bhs.data_segment_length();
  if (ec) return reject_command(pdu.bhs, iscsi::RejectReason::invalid_pdu_field);
  // RFC 7143 11.3.1: data may only accompany a write; a bidirectional command carries its
  // read length in a Bidirectional Read Expected Data Transfer Length AHS.
  if ((immediate_length > 0 && !c.write) || (c.read && c.write && !c.bidirectional_read_data_length)) {
    return reject_command(pdu.bhs, iscsi::RejectReason::protocol_error);
  }
  task->cdb.assign(c.cdb.begin(), c.cdb.end());
  task->cdb.insert(task->cdb.end(), c.extended_cdb.begin(), c.extended_cdb.end());

  const std::uint32_t length = c.expected_data_transfer_length;
  if (c.write) {
    task->writes.emplace(length, immediate_length, c.final, limits_of(session_->params()));
    if (task->writes->check_command()) {
      // RFC 7143 11.4.7.2: unsolicited data the negotiation does not allow.
      task->refusal = check_condition(iscsi::scsi::SenseKey::aborted_command,
                                      iscsi::scsi::asc::unexpected_unsolicited_data);
    } else if (length > kMaxTransfer) {
      task->refusal = check_condition(iscsi::scsi::SenseKey::illegal_request, iscsi::scsi::asc::invalid_field_in_cdb);
    } else if (buffered_bytes_ + length > kWriteBudget) {
      task->refusal = scsi::Response{};
      task->refusal->status = scsi::Status::task_set_full;
    } else if (length > 0) {
      task->data_out = std::make_unique_for_overwrite<std::byte[]>(length);
      task->data_out_size = length;
      buffered_bytes_ += length;
      if (immediate_length > 0) std::memcpy(task->data_out.get(), pdu.data.data(), std::min(immediate_length, length));
    }
  }

  if (!session_->add_task(task)) {
    release_task(*task);
    return reject_command(pdu.bhs, iscsi::RejectReason::task_in_progress);
  }
  tasks_.emplace(task->itt(), task);
  task_count_.store(static_cast<std::uint32_t>(tasks_.size()), std::memory_order_relaxed);
  if (task->data_out) {
    // The transport may place Data-Out straight into the buffer (offload/transport.h).
    const iovec whole{task->data_out.get(), task->data_out_size};
    transport_->expect(task->itt(), 0, {&whole, 1});
  }

  if (task->immediate) {
    handle(Ordered{weak_from_this(), task, std::nullopt});
  } else if (!order(c.cmd_sn, Ordered{weak_from_this(), task, std::nullopt})) {
    // Outside the command window: ignored (RFC 7143 4.2.2.1), as if never received.
    release_task(*task);
    return;
  }
  if (!task->executed) send_r2ts(*task);
}

void Connection::on_data_out(iscsi::Pdu pdu) {
  const iscsi::DataOut header = iscsi::DataOut::decode(pdu.bhs);
  const std::uint32_t length = pdu.bhs.data_segment_length();
  const auto it = tasks_.find(header.initiator_task_tag);
  if (it == tasks_.end()) {
    if (std::find(recently_ended_.begin(), recently_ended_.end(), header.initiator_task_tag) != recently_ended_.end()) {
      return;  // data still in flight for a task that was aborted or answered early
    }
    return reject(pdu.bhs, iscsi::RejectReason::invalid_pdu_field);
  }
  const std::shared_ptr<Task> task = it->second;
  if (!task->writes || task->executed) return reject(pdu.bhs, iscsi::RejectReason::protocol_error);
  if (task->refusal) return;  // the task is answered without its data: drop the rest
  if (task->writes->on_data_out(header, length)) {
    // A Data-Out out of sequence (DataSN, BufferOffset, TTT, F bit, beyond the burst).
    // ErrorRecoveryLevel 0 cannot ask for it again (RFC 7143 7.1.4.1), so the command
    // fails: the data already in its buffer, placed or copied, is never used, and the rest
    // of its Data-Out is dropped. The connection itself is still sound.
    transport_->forget(task->itt());
    task->refusal = check_condition(iscsi::scsi::SenseKey::aborted_command, iscsi::scsi::asc::data_phase_error);
    return continue_task(task);
  }
  if (!pdu.data_placed && task->data_out && length > 0) {
    std::memcpy(task->data_out.get() + header.buffer_offset, pdu.data.data(), length);
  }
  send_r2ts(*task);
  continue_task(task);
}

void Connection::send_r2ts(Task& task) {
  if (!task.writes || task.refusal || task.executed || task.aborted.load(std::memory_order_relaxed)) return;
  std::vector<R2tPlan> plans;
  task.writes->plan_r2ts([this] { return next_target_transfer_tag(); }, task.next_sn, plans);
  for (const R2tPlan& p : plans) {
    iscsi::R2t r;
    r.lun = task.lun();
    r.initiator_task_tag = task.itt();
    r.target_transfer_tag = p.target_transfer_tag;
    r.r2t_sn = p.r2t_sn;
    r.buffer_offset = p.buffer_offset;
    r.desired_data_transfer_length = p.desired_data_transfer_length;
    send({.bhs = r.encode(), .stat_sn = StatSn::current});
  }
}

void Connection::continue_task(const std::shared_ptr<Task>& task) {
  if (task->aborted.load(std::memory_order_relaxed)) return drop_task(task);
  if (!task->ready()) return;
  if (task->refusal) return respond_refused(task);
  execute(task);
}

void Connection::execute(const std::shared_ptr<Task>& task) {
  task->executed = true;
  const iscsi::ScsiCommand& c = task->command;
  if (task->data_out) transport_->forget(task->itt());
  std::uint32_t in_length = 0;
  if (c.read) in_length = c.write ? *c.bidirectional_read_data_length : c.expected_data_transfer_length;
  in_length = std::min(in_length, kMaxTransfer);
  if (in_length > 0) {
    task->data_in = std::make_unique_for_overwrite<std::byte[]>(in_length);
    task->data_in_size = in_length;
  }
  // Data-In from a file goes out by sendfile(2) where the path sends files, the data is
  // not digested (the bytes are read as they are sent; see scsi::Command), and the Data-In
  // PDUs are large enough for sendfile to pay off. Smaller reads are read here, as on tcp:
  // handed out as file ranges they would only move the read into the transport, which
  // then needs a buffer of its own for each PDU.
  const offload::Capabilities caps = transport_->capabilities();
  const bool from_file = caps.file_send && params_.data_digest == iscsi::DigestType::none &&
                         std::min(in_length, params_.max_send_data_segment_length) >= caps.file_send_threshold;
  const scsi::Command command{session_->nexus(),
                              task->cdb,
                              {task->data_out.get(), task->data_out ? task->data_out_size : 0u},
                              {task->data_in.get(), in_length},
                              from_file};
  // Inline on this thread (see connection.h).
  const scsi::Response r = session_->target()->scsi().execute(c.lun, command);
  // The Data-Out buffer is done with; the budget is free again at once.
  buffered_bytes_ -= task->data_out_size;
  task->data_out.reset();
  task->data_out_size = 0;

  const std::uint32_t sent = std::min(r.data_in_length, in_length);
  const bool bidirectional = c.read && c.write;
  // RFC 7143 11.4.5: residuals in the direction of the command (the write direction of a
  // bidirectional one); 11.4.5.2 for the read direction of a bidirectional command.
  const Residual residual = c.read && !c.write ? read_residual(c.expected_data_transfer_length, r.expected_length, sent)
                                               : residual_of(c.expected_data_transfer_length, r.expected_length);
  // Phase collapse (RFC 7143 11.7.4): the status rides on the last Data-In when there is
  // no sense data to send, which needs a SCSI Response.
  const bool collapse = sent > 0 && r.sense.empty() && !bidirectional;

  DataInSplitter splitter(sent, params_.max_send_data_segment_length, session_->params().max_burst_length);
  while (const auto segment = splitter.next()) {
    iscsi::DataIn d;
    d.final = segment->final;
    d.initiator_task_tag = task->itt();
    d.data_sn = task->next_sn++;
    d.buffer_offset = segment->buffer_offset;
    const bool status = segment->last && collapse;
    if (status) {
      d.status_present = true;
      d.status = static_cast<std::uint8_t>(r.status);
      d.residual_overflow = residual.overflow;
      d.residual_underflow = residual.underflow;
      d.residual_count = residual.count;
    }
    if (r.data_in_file) {
      send({.bhs = d.encode(),
            .file = {r.data_in_file->fd, r.data_in_file->offset + segment->buffer_offset, segment->length},
            .keep = r.data_in_owner,
            .stat_sn = status ? StatSn::advance : StatSn::none});
    } else {
      send({.bhs = d.encode(),
            .view = {task->data_in.get() + segment->buffer_offset, segment->length},
            .keep = task,
            .stat_sn = status ? StatSn::advance : StatSn::none});
    }
  }
  if (!collapse) {
    iscsi::ScsiResponse s;
    s.status = static_cast<std::uint8_t>(r.status);
    s.initiator_task_tag = task->itt();
    s.exp_data_sn = task->next_sn;
    s.residual_overflow = residual.overflow;
    s.residual_underflow = residual.underflow;
    s.residual_count = residual.count;
    if (bidirectional && sent < *c.bidirectional_read_data_length) {
      s.bidirectional_read_residual_underflow = true;
      s.bidirectional_read_residual_count = *c.bidirectional_read_data_length - sent;
    }
    send({.bhs = s.encode(), .data = sense_segment(r)});
  }
  release_task(*task);
}

void Connection::respond_refused(const std::shared_ptr<Task>& task) {
  task->executed = true;
  // Data-Out may still be on its way: remember the ITT so it is dropped quietly.
  if (task->writes && !task->writes->complete()) remember_ended(task->itt());
  const scsi::Response& r = *task->refusal;
  iscsi::ScsiResponse s;
  s.status = static_cast<std::uint8_t>(r.status);
  s.initiator_task_tag = task->itt();
  s.exp_data_sn = task->next_sn;
  send({.bhs = s.encode(), .data = sense_segment(r)});
  release_task(*task);
}

void Connection::drop_task(const std::shared_ptr<Task>& task) {
  task->aborted.store(true, std::memory_order_relaxed);
  if (task->writes && !task->writes->complete()) remember_ended(task->itt());
  release_task(*task);
}

void Connection::remember_ended(std::uint32_t itt) {
  recently_ended_.push_back(itt);
  if (recently_ended_.size() > kRecentlyEnded) recently_ended_.pop_front();
}

void Connection::release_task(Task& task) {
  if (task.data_out) {
    transport_->forget(task.itt());
    buffered_bytes_ -= task.data_out_size;
    task.data_out.reset();
    task.data_out_size = 0;
  }
  const auto it = tasks_.find(task.itt());
  if (it != tasks_.end() && it->second.get() == &task) {
    tasks_.erase(it);
    session_->remove_task(task.itt());
  }
  task_count_.store(static_cast<std::uint32_t>(tasks_.size()), std::memory_order_relaxed);
  if (task.holds_slot) {
    task.holds_slot = false;
    session_->finished();
  }
}

void Connection::abort(std::shared_ptr<Task> task) {
  asio::post(io_, [self = shared_from_this(), task = std::move(task)] {
    if (!self->closing_) self->drop_task(task);
  });
}

}  // namespace uiscsi::target::iscsit
