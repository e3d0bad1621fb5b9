#include "target/iscsi/session.h"

#include <algorithm>
#include <cstdio>

#include "target/iscsi/connection.h"
#include "target/iscsi/error.h"

namespace uiscsi::target::iscsit {

scsi::Nexus make_nexus(const SessionIdentity& identity, std::uint16_t relative_port) {
  char isid[16];
  const iscsi::Isid& i = identity.isid;
  std::snprintf(isid, sizeof isid, "%02x%02x%02x%02x%02x%02x", i[0], i[1], i[2], i[3], i[4], i[5]);
  char tpgt[8];
  std::snprintf(tpgt, sizeof tpgt, "%04x", static_cast<unsigned>(identity.tpgt));
  return {identity.initiator_name + ",i,0x" + isid, identity.target_name + ",t,0x" + tpgt, relative_port};
}

Session::Session(SessionIdentity identity, std::uint16_t tsih, iscsi::SessionParams params,
                 std::shared_ptr<TargetRuntime> target, std::uint32_t first_cmd_sn, std::uint32_t depth)
    : identity_(std::move(identity)),
      tsih_(tsih),
      params_(std::move(params)),
      target_(std::move(target)),
      nexus_(make_nexus(identity_, target_ ? target_->relative_port_of(identity_.tpgt) : 1)),
      window_(first_cmd_sn, depth) {
  if (target_) target_->scsi().nexus_established(nexus_);
}

Session::~Session() { end(make_error_code(errc::logged_out)); }

std::vector<Ordered> Session::drain_locked() {
  std::vector<Ordered> out;
  for (auto it = held_.find(window_.exp_cmd_sn()); it != held_.end(); it = held_.find(window_.exp_cmd_sn())) {
    out.push_back(std::move(it->second));
    held_.erase(it);
    window_.accept();
  }
  return out;
}

bool Session::order(std::uint32_t cmd_sn, Ordered item, std::vector<Ordered>& released) {
  std::lock_guard lock(mutex_);
  if (ended_) return false;
  if (window_.check(cmd_sn) == CommandWindow::Verdict::outside) return false;
  // A second command with a CmdSN already held is a duplicate: the first one stands.
  if (!held_.emplace(cmd_sn, std::move(item)).second) return false;
  auto drained = drain_locked();
  for (auto& d : drained) released.push_back(std::move(d));
  return true;
}

void Session::finished() {
  std::lock_guard lock(mutex_);
  window_.finished();
}

std::pair<std::uint32_t, std::uint32_t> Session::window() const {
  std::lock_guard lock(mutex_);
  return {window_.exp_cmd_sn(), window_.max_cmd_sn()};
}

bool Session::consume_missing(std::uint32_t ref_cmd_sn, std::uint32_t tmf_cmd_sn, std::vector<Ordered>& released) {
  std::lock_guard lock(mutex_);
  if (ended_ || !iscsi::serial_lt(ref_cmd_sn, tmf_cmd_sn)) return false;
  if (window_.check(ref_cmd_sn) == CommandWindow::Verdict::outside) return false;
  if (!held_.emplace(ref_cmd_sn, Ordered{}).second) return false;  // it did arrive after all
  auto drained = drain_locked();
  for (auto& d : drained) released.push_back(std::move(d));
  return true;
}

bool Session::add_task(const std::shared_ptr<Task>& task) {
  std::lock_guard lock(mutex_);
  if (ended_) return false;
  return tasks_.emplace(task->itt(), task).second;
}

std::shared_ptr<Task> Session::find_task(std::uint32_t itt) const {
  std::lock_guard lock(mutex_);
  const auto it = tasks_.find(itt);
  return it == tasks_.end() ? nullptr : it->second;
}

void Session::remove_task(std::uint32_t itt) {
  std::lock_guard lock(mutex_);
  tasks_.erase(itt);
}

std::vector<std::shared_ptr<Task>> Session::tasks_where(const std::function<bool(const Task&)>& match) const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Task>> out;
  for (const auto& [itt, task] : tasks_) {
    if (match(*task)) out.push_back(task);
  }
  return out;
}

bool Session::add_connection(const std::shared_ptr<Connection>& connection, std::uint16_t cid) {
  std::lock_guard lock(mutex_);
  if (ended_ || connections_.size() >= std::max<std::uint32_t>(params_.max_connections, 1)) return false;
  connections_.push_back({connection, connection.get(), cid});
  return true;
}

void Session::remove_connection(const Connection* connection) {
  std::lock_guard lock(mutex_);
  std::erase_if(connections_, [&](const Member& m) { return m.raw == connection; });
}

std::vector<std::shared_ptr<Connection>> Session::connections() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Connection>> out;
  for (const Member& m : connections_) {
    if (auto c = m.connection.lock()) out.push_back(std::move(c));
  }
  return out;
}

std::shared_ptr<Connection> Session::find_connection(std::uint16_t cid) const {
  std::lock_guard lock(mutex_);
  for (const Member& m : connections_) {
    if (m.cid == cid) return m.connection.lock();
  }
  return nullptr;
}

std::size_t Session::connection_count() const {
  std::lock_guard lock(mutex_);
  return connections_.size();
}

bool Session::ended() const {
  std::lock_guard lock(mutex_);
  return ended_;
}

bool Session::end(std::error_code why) {
  std::vector<Member> members;
  std::unordered_map<std::uint32_t, std::shared_ptr<Task>> tasks;
  {
    std::lock_guard lock(mutex_);
    if (ended_) return false;
    ended_ = true;
    members = std::move(connections_);
    connections_.clear();
    tasks = std::move(tasks_);
    tasks_.clear();
    held_.clear();
  }
  // Nothing that has not started executing will (Task::ready), and the I_T nexus goes:
  // the SCSI layer drops its unit attentions and RESERVE(6) (RFC 7143 6.3.5, SAM-5 I_T
  // nexus loss). A reinstating session calls nexus_established only after this.
  for (auto& [itt, task] : tasks) task->aborted.store(true, std::memory_order_relaxed);
  if (target_) target_->scsi().nexus_lost(nexus_);
  for (const Member& m : members) {
    if (auto c = m.connection.lock()) c->close(why);
  }
  return true;
}

}  // namespace uiscsi::target::iscsit
