// What the server and its connections share: the targets, the sessions, the discovery
// settings and the list of live connections. Internal to target/iscsi.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "offload/socket_address.h"
#include "target/iscsi/config.h"
#include "target/iscsi/login.h"
#include "target/iscsi/session_registry.h"
#include "target/iscsi/target_table.h"

namespace uiscsi::target::iscsit {

class Connection;

struct ServerCore {
  TargetTable targets;
  SessionRegistry sessions;
  std::atomic<std::shared_ptr<const DiscoveryConfig>> discovery{std::make_shared<const DiscoveryConfig>()};
  std::atomic<std::chrono::seconds::rep> login_timeout_seconds{15};
  std::atomic<bool> shutting_down{false};

  // Live connections, for snapshots and shutdown.
  void add_connection(const std::shared_ptr<Connection>& connection);
  void remove_connection(std::uint64_t id);
  std::vector<std::shared_ptr<Connection>> connections() const;
  std::uint64_t next_connection_id() noexcept { return next_id_.fetch_add(1, std::memory_order_relaxed); }

  // PREEMPT AND ABORT (target/scsi/target.h AbortTasksHandler): marks the tasks of the
  // sessions whose SCSI initiator port is `initiator_port` on `lun` as aborted.
  void abort_tasks(std::string_view initiator_port, std::uint16_t lun);

 private:
  mutable std::mutex mutex_;
  std::map<std::uint64_t, std::weak_ptr<Connection>> connections_;
  std::atomic<std::uint64_t> next_id_{1};
};

// The LoginContext of a connection that arrived on `portal` (the listening address).
class PortalLoginContext final : public LoginContext {
 public:
  PortalLoginContext(const ServerCore& core, offload::SocketAddress portal);

  std::optional<LoginTarget> find_target(std::string_view name) const override;
  const DiscoveryConfig& discovery() const override { return *discovery_; }
  iscsi::LoginStatus find_session(const JoinRequest& request, iscsi::SessionParams& out) const override;

 private:
  const ServerCore& core_;
  offload::SocketAddress portal_;
  std::shared_ptr<const DiscoveryConfig> discovery_;  // as it was when the login began
};

// The TPGT of the portal group of `target` that holds a portal listening on `portal`.
std::optional<std::uint16_t> tpgt_of(const TargetNode& target, const offload::SocketAddress& portal);

}  // namespace uiscsi::target::iscsit
