#include "target/iscsi/connection.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "iscsi/pdu_error.h"
#include "target/iscsi/error.h"

namespace uiscsi::target::iscsit {

namespace asio = boost::asio;

namespace {
// How long queued responses (a Reject, a Logout Response) may take to go out once the
// connection is ending, before it is closed regardless.
constexpr std::chrono::seconds kDrainTimeout{5};
}  // namespace

Connection::Connection(std::shared_ptr<ServerCore> core, std::unique_ptr<offload::Transport> transport,
                       offload::SocketAddress portal, asio::io_context& io)
    : core_(std::move(core)),
      transport_(std::move(transport)),
      portal_(std::move(portal)),
      local_(transport_->local_endpoint()),
      remote_(transport_->remote_endpoint()),
      io_(io),
      id_(core_->next_connection_id()),
      closed_(io, std::chrono::steady_clock::time_point::max()),
      login_timer_(io),
      drain_timer_(io),
      nop_timer_(io) {}

Connection::~Connection() {
  // A transport is destroyed on its own thread. The last reference to a connection is
  // normally dropped there, by its last coroutine; a status snapshot taken on another thread
  // can outlive it, and then the transport goes back to its io_context to die.
  if (!io_.get_executor().running_in_this_thread()) asio::post(io_, [t = std::move(transport_)] {});
}

void Connection::start() {
  asio::co_spawn(io_, [self = shared_from_this()] { return self->run(); },
                 [self = shared_from_this()](std::exception_ptr e) {
                   // Nothing on the data path throws; an exception here is std::bad_alloc or
                   // a bug. The connection cannot go on either way.
                   if (e) {
                     self->close_now(make_error_code(errc::out_of_resources));
                     self->teardown();
                   }
                 });
}

void Connection::switch_to_tcp(std::string reason, std::function<void(std::error_code)> done) {
  auto apply = [self = shared_from_this(), reason = std::move(reason), done = std::move(done)] {
    if (self->closing_) return done(std::make_error_code(std::errc::not_connected));
    // Between two I/O completions of this thread: the stream transport finishes a data
    // segment it was placing by copy and sends the next batch without MSG_ZEROCOPY
    // (offload/detail/stream_core.cpp), so nothing in flight is lost.
    done(self->transport_->switch_to_tcp(reason));
  };
  if (io_.get_executor().running_in_this_thread()) return apply();
  asio::post(io_, std::move(apply));
}

void Connection::close(std::error_code why) {
  asio::post(io_, [self = shared_from_this(), why] { self->close_now(why); });
}

void Connection::close_now(std::error_code why) {
  if (closing_) return;
  closing_ = true;
  if (!reason_) reason_ = why;
  set_state(ConnectionState::closing);
  transport_->close();
  closed_.cancel();
  login_timer_.cancel();
  drain_timer_.cancel();
  nop_timer_.cancel();
}

void Connection::set_state(ConnectionState state) {
  std::lock_guard lock(info_mutex_);
  state_ = state;
}

std::shared_ptr<Session> Connection::session() const {
  std::lock_guard lock(info_mutex_);
  return session_;
}

ConnectionInfo Connection::info() const {
  ConnectionInfo out;
  out.id = id_;
  out.local = local_;
  out.remote = remote_;
  out.path = transport_->path_info();
  out.counters = transport_->counters();
  out.tasks = task_count_.load(std::memory_order_relaxed);
  std::lock_guard lock(info_mutex_);
  out.cid = cid_;
  out.tsih = session_ ? session_->tsih() : 0;
  out.state = state_;
  out.initiator_name = initiator_name_;
  out.target_name = target_name_;
  out.params = params_;
  return out;
}

Connection::Awaitable Connection::watchdog(asio::steady_timer& timer, std::error_code why) {
  auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  if (!ec) close_now(why);
}

Connection::Awaitable Connection::run() {
  if (co_await login_phase()) {
    asio::co_spawn(io_, [self = shared_from_this()] { return self->nop_pinger(); }, asio::detached);
    co_await receive_loop();
  }
  // The stream is over (or unusable). What is queued (a Reject, a Logout Response, a
  // refused Login Response) may still go out, within a bound; then the connection closes.
  ending_ = true;
  if (!closing_) {
    if (queue_.empty() && !writing_) {
      close_now(reason_);
    } else {
      drain_timer_.expires_after(kDrainTimeout);
      asio::co_spawn(io_, [self = shared_from_this(), why = reason_] { return self->watchdog(self->drain_timer_, why); },
                     asio::detached);
    }
  }
  if (!closing_) co_await closed_.async_wait(asio::as_tuple(asio::use_awaitable));
  teardown();
}

Connection::Awaitable Connection::receive_loop() {
  while (!closing_) {
    offload::Received r = co_await transport_->receive();
    if (closing_) co_return;
    if (r.ec) {
      if (!reason_) reason_ = r.ec;
      // RFC 7143 7.8, 11.17.1: the header of a PDU with a bad data digest is sound, so we
      // can say which PDU we discard; at ErrorRecoveryLevel 0 the connection ends anyway.
      if (r.ec == iscsi::pdu_errc::data_digest_mismatch) reject(r.pdu.bhs, iscsi::RejectReason::data_digest_error);
      co_return;
    }
    last_received_ = std::chrono::steady_clock::now();
    dispatch(std::move(r.pdu));
  }
}

void Connection::dispatch(iscsi::Pdu pdu) {
  using iscsi::Opcode;
  const iscsi::Bhs& bhs = pdu.bhs;
  const bool discovery = session_->is_discovery();
  switch (bhs.opcode()) {
    case Opcode::scsi_command:
      if (discovery) break;
      on_scsi_command(std::move(pdu));
      return;
    case Opcode::scsi_data_out:
      if (discovery) break;
      on_data_out(std::move(pdu));
      return;
    case Opcode::task_management_request:
      if (discovery) break;
      [[fallthrough]];
    case Opcode::nop_out:
    case Opcode::text_request:
    case Opcode::logout_request: {
      // Every one of these carries CmdSN at bytes 24-27 (RFC 7143 11.5, 11.10, 11.14, 11.18).
      const std::uint32_t cmd_sn = bhs.u32(24);
      if (bhs.immediate()) {
        handle(Ordered{weak_from_this(), nullptr, std::move(pdu)});
      } else {
        order(cmd_sn, Ordered{weak_from_this(), nullptr, std::move(pdu)});
      }
      return;
    }
    case Opcode::snack_request:
      // RFC 7143 11.16: SNACK needs ErrorRecoveryLevel > 0, which we never negotiate.
      reject(bhs, iscsi::RejectReason::protocol_error);
      return;
    case Opcode::login_request:
      // RFC 7143 6.3: a Login Request in Full Feature Phase is a protocol error.
      reject(bhs, iscsi::RejectReason::protocol_error);
      return;
    default:
      reject(bhs, iscsi::RejectReason::command_not_supported);
      return;
  }
  // A discovery session is for SendTargets (RFC 7143 13.21): Text, NOP and Logout only.
  reject(bhs, iscsi::RejectReason::protocol_error);
}

bool Connection::order(std::uint32_t cmd_sn, Ordered item) {
  std::vector<Ordered> released;
  if (!session_->order(cmd_sn, std::move(item), released)) return false;
  for (Ordered& r : released) {
    const std::shared_ptr<Connection> owner = r.connection.lock();
    if (owner.get() == this) {
      handle(std::move(r));
    } else if (owner) {
      owner->deliver(std::move(r));
    } else {
      session_->finished();  // its connection is gone: nothing to run, the slot is free
    }
  }
  return true;
}

void Connection::deliver(Ordered item) {
  asio::post(io_, [self = shared_from_this(), item = std::move(item)]() mutable {
    if (self->closing_) {
      if (auto s = self->session()) s->finished();
      return;
    }
    self->handle(std::move(item));
  });
}

void Connection::handle(Ordered item) {
  if (item.task) {
    item.task->ordered = true;
    item.task->holds_slot = !item.task->immediate;
    continue_task(item.task);
    return;
  }
  if (!item.pdu) {
    session_->finished();  // a CmdSN used up without work
    return;
  }
  const iscsi::Pdu& pdu = *item.pdu;
  switch (pdu.bhs.opcode()) {
    case iscsi::Opcode::nop_out: on_nop_out(pdu); break;
    case iscsi::Opcode::text_request: on_text_request(pdu); break;
    case iscsi::Opcode::task_management_request: on_task_management(pdu); break;
    case iscsi::Opcode::logout_request: on_logout(pdu); break;
    default: break;
  }
  if (!pdu.bhs.immediate()) session_->finished();
}

void Connection::teardown() {
  set_state(ConnectionState::closing);
  for (auto& [itt, task] : tasks_) {
    task->aborted.store(true, std::memory_order_relaxed);
    if (session_) {
      session_->remove_task(itt);
      if (task->holds_slot) session_->finished();
    }
  }
  tasks_.clear();
  task_count_.store(0, std::memory_order_relaxed);
  buffered_bytes_ = 0;
  queue_.clear();
  if (session_) {
    session_->remove_connection(this);
    // ErrorRecoveryLevel 0 (RFC 7143 7.1.4.1): a failed connection fails its session. A
    // connection that logged out, or that a new login with its CID replaced, leaves
    // quietly, and the session goes on while it has connections.
    const bool quiet = reason_ == errc::logged_out || reason_ == errc::reinstated;
    if (!quiet || session_->connection_count() == 0) {
      session_->end(quiet ? reason_ : make_error_code(errc::session_failed));
    }
    if (session_->ended()) core_->sessions.remove(*session_);
  }
  core_->remove_connection(id_);
}

}  // namespace uiscsi::target::iscsit
