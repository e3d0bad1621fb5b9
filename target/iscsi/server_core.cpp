#include "target/iscsi/server_core.h"

#include "iscsi/scsi_lun.h"
#include "target/iscsi/connection.h"

namespace uiscsi::target::iscsit {

void ServerCore::add_connection(const std::shared_ptr<Connection>& connection) {
  std::lock_guard lock(mutex_);
  connections_.emplace(connection->id(), connection);
}

void ServerCore::remove_connection(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  connections_.erase(id);
}

std::vector<std::shared_ptr<Connection>> ServerCore::connections() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Connection>> out;
  for (const auto& [id, weak] : connections_) {
    if (auto c = weak.lock()) out.push_back(std::move(c));
  }
  return out;
}

void ServerCore::abort_tasks(std::string_view initiator_port, std::uint16_t lun) {
  const auto lun_field = iscsi::scsi::encode_lun(lun);
  if (!lun_field) return;
  for (const auto& session : sessions.all()) {
    if (session->nexus().initiator_port != initiator_port) continue;
    for (const auto& task : session->tasks_where([&](const Task& t) { return t.lun() == *lun_field; })) {
      // Called while a PERSISTENT RESERVE OUT executes: only flag and post, never block.
      task->aborted.store(true, std::memory_order_relaxed);
      if (auto owner = task->connection.lock()) owner->abort(task);
    }
  }
}

std::optional<std::uint16_t> tpgt_of(const TargetNode& target, const offload::SocketAddress& portal) {
  for (const PortalGroup& group : target.portal_groups) {
    for (const Portal& p : group.portals) {
      const auto address = offload::SocketAddress::ip(p.address, p.port);
      if (address && *address == portal) return group.tag;
    }
  }
  return std::nullopt;
}

PortalLoginContext::PortalLoginContext(const ServerCore& core, offload::SocketAddress portal)
    : core_(core), portal_(std::move(portal)), discovery_(core.discovery.load()) {}

std::optional<LoginTarget> PortalLoginContext::find_target(std::string_view name) const {
  const auto runtime = core_.targets.find(name);
  if (!runtime) return std::nullopt;
  auto config = runtime->config();
  // A target is reachable only through the portals of its own portal groups (RFC 7143
  // 3.4.1): elsewhere it is "not found".
  const auto tpgt = tpgt_of(*config, portal_);
  if (!tpgt) return std::nullopt;
  return LoginTarget{std::move(config), *tpgt};
}

iscsi::LoginStatus PortalLoginContext::find_session(const JoinRequest& request, iscsi::SessionParams& out) const {
  const auto session = core_.sessions.find(request.tsih);
  if (!session || session->ended()) return iscsi::LoginStatus::session_does_not_exist;
  const SessionIdentity& id = session->identity();
  if (id.isid != request.isid || id.initiator_name != request.initiator_name || id.target_name != request.target_name) {
    return iscsi::LoginStatus::session_does_not_exist;
  }
  // All connections of a session go through one portal group (RFC 7143 3.4.1).
  if (id.tpgt != request.tpgt) return iscsi::LoginStatus::cannot_include_in_session;
  if (session->connection_count() >= session->params().max_connections && !session->find_connection(request.cid)) {
    return iscsi::LoginStatus::too_many_connections;
  }
  out = session->params();
  return iscsi::LoginStatus::success;
}

}  // namespace uiscsi::target::iscsit
