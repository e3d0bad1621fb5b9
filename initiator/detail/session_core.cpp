#include "initiator/detail/session_core.h"

#include <algorithm>

#include "initiator/error.h"
#include "initiator/isid.h"
#include "iscsi/serial.h"

namespace uiscsi::initiator::detail {

namespace asio = boost::asio;

SessionCore::SessionCore(asio::any_io_executor executor, SessionConfig config, Connector connector)
    : executor_(std::move(executor)),
      config_(std::move(config)),
      connector_(std::move(connector)),
      recovery_wake_(executor_),
      keepalive_wake_(executor_) {}

asio::awaitable<std::error_code> SessionCore::start(std::string& why) {
  if (auto ec = config_.validate(why)) co_return ec;
  isid_ = config_.isid.value_or(make_random_isid());
  const LoginState login{.isid = isid_, .tsih = 0, .cid = 0, .cmd_sn = cmd_sn_, .exp_stat_sn = 0, .session = {}};
  Established e = co_await connect_and_login(connector_, config_, login, config_.portal);
  if (e.login.ec) {
    why = e.login.error;
    last_error_ = why;
    set_state(SessionState::closed);
    co_return e.login.ec;
  }
  const Portal portal = e.portal;
  install(std::move(e));
  // The session is usable now; the open returns once its other connections are in too.
  co_await add_connections(epoch_, portal);
  auto self = shared_from_this();
  spawn(executor_, [self] { return self->recovery_loop(); });
  spawn(executor_, [self] { return self->keepalive_loop(); });
  co_return std::error_code{};
}

std::shared_ptr<Connection> SessionCore::make_connection(Established& e, std::uint16_t cid) {
  auto c = std::make_shared<Connection>();
  c->transport = std::move(e.transport);
  c->generation = ++generation_;
  c->cid = cid;
  c->params = e.login.params.connection;
  c->portal = e.portal;
  c->last_received = Clock::now();
  c->exp_stat_sn = e.login.exp_stat_sn;
  return c;
}

void SessionCore::install(Established e) {
  auto c = make_connection(e, 0);
  tsih_ = e.login.tsih;
  params_ = e.login.params;
  // A new session: the window is the one of the final Login Response, and the next CmdSN
  // is what the target expects (the CmdSN of our Login Requests, RFC 7143 11.12.6).
  exp_cmd_sn_ = e.login.exp_cmd_sn;
  max_cmd_sn_ = e.login.max_cmd_sn;
  cmd_sn_ = e.login.exp_cmd_sn;
  connections_.assign(1, c);
  ++epoch_;
  set_state(SessionState::logged_in);
  start_connection(c);
}

void SessionCore::start_connection(const std::shared_ptr<Connection>& c) {
  auto self = shared_from_this();
  spawn(executor_, [self, c] { return self->receive_loop(c); });
}

asio::awaitable<void> SessionCore::add_connections(std::uint64_t epoch, Portal portal) {
  // MC/S: as many as both sides allow (RFC 7143 13.2, the lower of the two offers).
  const std::uint32_t wanted = std::min(config_.negotiation.max_connections, params_.session.max_connections);
  for (std::uint16_t cid = 1; cid < wanted; ++cid) {
    // A login adds a connection to the session named by ISID and TSIH (RFC 7143 6.3); its
    // CmdSN is the session's next one, which it does not use up.
    const LoginState login{.isid = isid_, .tsih = tsih_, .cid = cid, .cmd_sn = cmd_sn_, .exp_stat_sn = 0,
                           .session = params_.session};
    Established e = co_await connect_and_login(connector_, config_, login, portal);
    const bool current = epoch == epoch_ && state_ == SessionState::logged_in;
    if (e.login.ec || !current) {
      if (e.transport) e.transport->close();
      if (current) last_error_ = "MC/S: connection " + std::to_string(cid) + " not added: " + e.login.error;
      co_return;
    }
    auto c = make_connection(e, cid);
    update_window(e.login.exp_cmd_sn, e.login.max_cmd_sn);
    connections_.push_back(c);
    start_connection(c);
  }
}

const std::shared_ptr<Connection>& SessionCore::leading() const noexcept {
  static const std::shared_ptr<Connection> none;
  return connections_.empty() ? none : connections_.front();
}

std::shared_ptr<Connection> SessionCore::pick_connection() const {
  std::shared_ptr<Connection> best;
  for (const auto& c : connections_) {
    if (c->alive && (!best || c->scsi_tasks < best->scsi_tasks)) best = c;
  }
  return best;
}

void SessionCore::set_state(SessionState state) noexcept {
  state_ = state;
  changed_.notify_all();
}

std::error_code SessionCore::closed_error() const noexcept {
  return state_ == SessionState::failed ? make_error_code(errc::session_failed)
                                        : make_error_code(errc::session_closed);
}

void SessionCore::close() noexcept {
  if (state_ == SessionState::closed) return;
  set_state(SessionState::closed);
  for (const auto& c : connections_) {
    c->alive = false;
    c->transport->close();
  }
  for (auto& [itt, task] : tasks_) {
    task->lost = true;
    task->wake.notify();
  }
  recovery_wake_.notify();
  keepalive_wake_.notify();
  escalation_done_.notify_all();
}

asio::awaitable<std::error_code> SessionCore::wait_ready(bool needs_cmd_sn) {
  for (;;) {
    switch (state_) {
      case SessionState::failed: co_return make_error_code(errc::session_failed);
      case SessionState::closed: co_return make_error_code(errc::session_closed);
      case SessionState::logged_in:
        if (!needs_cmd_sn || window_open()) co_return std::error_code{};
        break;
      case SessionState::draining:
      case SessionState::recovering: break;
    }
    co_await changed_.wait(executor_);
  }
}

// RFC 7143 4.2.2.1: a non-immediate command may be sent while CmdSN <= MaxCmdSN.
bool SessionCore::window_open() const noexcept { return iscsi::serial_le(cmd_sn_, max_cmd_sn_); }

void SessionCore::update_window(std::uint32_t exp_cmd_sn, std::uint32_t max_cmd_sn) noexcept {
  // RFC 7143 4.2.2.1: a pair with MaxCmdSN < ExpCmdSN - 1 is ignored; otherwise both only
  // move forward (PDUs may carry older values than one already seen).
  if (!iscsi::cmd_window_valid(exp_cmd_sn, max_cmd_sn)) return;
  if (iscsi::serial_gt(exp_cmd_sn, exp_cmd_sn_)) exp_cmd_sn_ = exp_cmd_sn;
  if (iscsi::serial_gt(max_cmd_sn, max_cmd_sn_)) {
    max_cmd_sn_ = max_cmd_sn;
    changed_.notify_all();
  }
}

void SessionCore::acknowledge_status(Connection& connection, std::uint32_t stat_sn) noexcept {
  // ExpStatSN acknowledges every status up to StatSN (RFC 7143 4.2.2.2). At ERL 0 a gap
  // (a lost status) is not recovered, so we simply move past it.
  if (iscsi::serial_gt(stat_sn + 1, connection.exp_stat_sn)) connection.exp_stat_sn = stat_sn + 1;
}

std::uint32_t SessionCore::allocate_itt() noexcept {
  for (;;) {
    const std::uint32_t itt = next_itt_++;
    // 0xffffffff is the reserved tag (RFC 7143 11.2.1.8).
    if (itt != iscsi::kReservedTag && !tasks_.contains(itt)) return itt;
  }
}

void SessionCore::connection_failed(Connection& connection, std::string why) {
  if (!connection.alive) return;
  connection.alive = false;
  connection.transport->close();
  ++stats_.connection_failures;
  last_error_ = std::move(why);
  for (auto& [itt, task] : tasks_) {
    if (task->connection.get() != &connection) continue;
    task->lost = true;
    task->wake.notify();
  }
  const bool ours = std::any_of(connections_.begin(), connections_.end(),
                                [&](const auto& c) { return c.get() == &connection; });
  if (!ours) return;  // a connection of an earlier session: already recovered from
  const bool recover = state_ == SessionState::logged_in || (state_ == SessionState::draining && !user_logout_);
  if (!recover) return;
  // ERL 0: the session goes with it (see session_core.h). Its other connections are closed
  // and their tasks held, to be sent again once the session is reinstated.
  for (const auto& c : connections_) {
    if (!c->alive) continue;
    c->alive = false;
    c->transport->close();
    for (auto& [itt, task] : tasks_) {
      if (task->connection == c) {
        task->lost = true;
        task->wake.notify();
      }
    }
  }
  lost_at_ = Clock::now();
  set_state(SessionState::recovering);
  recovery_wake_.notify();
}

void SessionCore::abort_lun_tasks(std::uint64_t lun, const Task* except) {
  for (auto& [itt, task] : tasks_) {
    if (task == except || task->kind != TaskKind::scsi || task->lun != lun) continue;
    if (!task->connection || !task->connection->alive) continue;  // lost already: held for resending
    task->aborted = true;
    task->wake.notify();
  }
}

SessionInfo SessionCore::info() const {
  SessionInfo i;
  i.state = state_;
  i.isid = isid_;
  i.tsih = tsih_;
  i.params = params_;
  for (const auto& c : connections_) {
    ConnectionInfo ci;
    ci.cid = c->cid;
    ci.portal = c->portal;
    ci.path = c->transport->path_info();
    ci.counters = c->transport->counters();
    ci.local = c->transport->local_endpoint();
    ci.remote = c->transport->remote_endpoint();
    ci.exp_stat_sn = c->exp_stat_sn;
    ci.scsi_tasks = c->scsi_tasks;
    i.connections.push_back(std::move(ci));
  }
  if (!i.connections.empty()) {
    const ConnectionInfo& lead = i.connections.front();
    i.portal = lead.portal;
    i.path = lead.path;
    i.counters = lead.counters;
    i.local = lead.local;
    i.remote = lead.remote;
    i.exp_stat_sn = lead.exp_stat_sn;
  }
  i.cmd_sn = cmd_sn_;
  i.exp_cmd_sn = exp_cmd_sn_;
  i.max_cmd_sn = max_cmd_sn_;
  i.outstanding_tasks = tasks_.size();
  i.recovery = stats_;
  i.last_error = last_error_;
  return i;
}

TaskRegistration::TaskRegistration(SessionCore& core, Task& task) : core_(core), task_(task) {
  task.itt = core.allocate_itt();
  core.tasks_.emplace(task.itt, &task);
  if (task.kind == TaskKind::scsi && task.connection) ++task.connection->scsi_tasks;
}

TaskRegistration::~TaskRegistration() {
  core_.tasks_.erase(task_.itt);
  if (task_.kind == TaskKind::scsi && task_.connection) --task_.connection->scsi_tasks;
  // A draining session waits for its tasks to end (control_tasks.cpp, drain()).
  if (core_.state_ == SessionState::draining) core_.changed_.notify_all();
  // The transport must not write into the caller's buffers once the task has returned.
  if (task_.connection) task_.connection->transport->forget(task_.itt);
}

}  // namespace uiscsi::initiator::detail
