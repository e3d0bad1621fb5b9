#include "target/iscsi/server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <atomic>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "offload/listener.h"
#include "offload/registry.h"
#include "target/iscsi/connection.h"
#include "target/iscsi/error.h"
#include "target/iscsi/server_core.h"

namespace uiscsi::target::iscsit {

namespace asio = boost::asio;

std::string_view to_text(ConnectionState state) noexcept {
  switch (state) {
    case ConnectionState::login: return "login";
    case ConnectionState::full_feature: return "full-feature";
    case ConnectionState::logging_out: return "logging-out";
    case ConnectionState::closing: return "closing";
  }
  return "unknown";
}

namespace {

using PortalKey = std::pair<std::string, std::uint16_t>;  // address and port, as configured

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) {
    if (!out.empty()) out += "; ";
    out += l;
  }
  return out;
}

}  // namespace

// One listening portal and the coroutine that accepts on it.
struct ListeningPortal {
  std::unique_ptr<offload::Listener> listener;
  offload::SocketAddress address;  // bound, with the real port
  offload::Policy policy = offload::Policy::auto_;
  asio::io_context* io = nullptr;
  bool closed = false;
};

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  ServerOptions options;
  std::shared_ptr<const offload::Registry> registry;
  std::shared_ptr<ServerCore> core = std::make_shared<ServerCore>();

  std::vector<std::unique_ptr<asio::io_context>> owned;
  std::vector<asio::io_context*> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::vector<std::thread> threads;

  std::mutex mutex;  // everything below: start/apply/shutdown and the listeners
  bool started = false;
  bool stopped = false;
  std::map<PortalKey, std::shared_ptr<ListeningPortal>> listeners;
  std::map<std::string, std::uint16_t> ephemeral;  // address -> real port of a port-0 portal
  std::size_t next_listener_context = 0;
  std::atomic<std::size_t> next_connection{0};  // accept loops of several threads take from it

  explicit Impl(ServerOptions o) : options(std::move(o)) {
    registry = options.registry ? options.registry
                                : std::make_shared<const offload::Registry>(offload::Registry::with_builtin_paths());
  }

  asio::io_context& first() { return *contexts.front(); }

  scsi::AbortTasksHandler abort_handler() {
    return [weak = std::weak_ptr<ServerCore>(core)](std::string_view port, std::uint16_t, std::uint16_t lun) {
      if (auto c = weak.lock()) c->abort_tasks(port, lun);
    };
  }

  // Round-robin over the threads, across every portal: a connection does not stay on the
  // thread of the listener that accepted it (one portal would otherwise use one core).
  asio::io_context& next_connection_context() {
    return *contexts[next_connection.fetch_add(1, std::memory_order_relaxed) % contexts.size()];
  }

  asio::awaitable<void> accept_loop(std::shared_ptr<ListeningPortal> portal) {
    asio::steady_timer backoff(*portal->io);
    for (;;) {
      asio::io_context& io = next_connection_context();
      offload::Selection s = co_await portal->listener->accept(io);
      if (portal->closed) co_return;
      if (s.ec) {
        if (s.ec == std::errc::operation_canceled) co_return;
        // Out of descriptors or memory: the listener stays, the peer retries.
        backoff.expires_after(std::chrono::milliseconds(100));
        co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      if (core->shutting_down.load()) {
        // The transport closes as it goes, on its own thread (Transport's threading rule).
        asio::post(io, [transport = std::move(s.transport)] {});
        continue;
      }
      auto connection = std::make_shared<Connection>(core, std::move(s.transport), portal->address, io);
      core->add_connection(connection);
      connection->start();
    }
  }

  // Opens the listener of `portal` (not yet open); port 0 binds an ephemeral port, shared by
  // every port-0 portal with the same address.
  std::error_code open_portal(const Portal& portal, std::string& error) {
    const PortalKey key{portal.address, portal.port};
    if (listeners.contains(key)) return {};
    auto address = offload::SocketAddress::ip(portal.address, portal.port);
    if (!address) {
      error = "portal " + portal.address + " is not a numeric address";
      return std::make_error_code(std::errc::invalid_argument);
    }
    asio::io_context& io = *contexts[next_listener_context++ % contexts.size()];
    offload::ListenResult r = offload::Listener::open(io, *address, portal.offload, *registry);
    if (r.ec) {
      error = r.error;
      return r.ec;
    }
    auto entry = std::make_shared<ListeningPortal>();
    entry->address = r.listener->local_endpoint();
    entry->listener = std::move(r.listener);
    entry->policy = portal.offload;
    entry->io = &io;
    PortalKey real = key;
    if (portal.port == 0) {
      real.second = entry->address.port();
      ephemeral[portal.address] = real.second;
    }
    listeners.emplace(real, entry);
    asio::co_spawn(io, [self = shared_from_this(), entry] { return self->accept_loop(entry); }, asio::detached);
    return {};
  }

  void close_portal(std::map<PortalKey, std::shared_ptr<ListeningPortal>>::iterator it) {
    auto entry = it->second;
    listeners.erase(it);
    asio::post(*entry->io, [entry] {
      entry->closed = true;
      entry->listener->close();
    });
  }

  // Port 0 means "any free port": the first such portal of an address binds one, and the
  // configuration is rewritten to name it, so logins, SendTargets and later apply()s agree.
  std::error_code bind_portals(Config& config, std::string& error) {
    for (TargetNode& t : config.targets) {
      for (PortalGroup& g : t.portal_groups) {
        for (Portal& p : g.portals) {
          if (p.port == 0) {
            if (const auto it = ephemeral.find(p.address); it != ephemeral.end()) {
              p.port = it->second;
              continue;
            }
            if (auto ec = open_portal(p, error)) return ec;
            p.port = ephemeral.at(p.address);
          } else if (auto ec = open_portal(p, error)) {
            return ec;
          }
        }
      }
    }
    return {};
  }

  std::set<PortalKey> portals_of(const Config& config) const {
    std::set<PortalKey> out;
    for (const TargetNode& t : config.targets) {
      for (const PortalGroup& g : t.portal_groups) {
        for (const Portal& p : g.portals) out.emplace(p.address, p.port);
      }
    }
    return out;
  }

  // Asks the sessions `which` selects to log out, and ends them after the grace period.
  void retire_sessions(const std::function<bool(const Session&)>& which, std::error_code why) {
    const auto seconds = static_cast<std::uint16_t>(
        std::max<std::int64_t>(1, std::chrono::ceil<std::chrono::seconds>(options.shutdown_grace).count()));
    std::vector<std::weak_ptr<Session>> doomed;
    for (const auto& s : core->sessions.all()) {
      if (!which(*s)) continue;
      for (const auto& c : s->connections()) c->request_logout(seconds);
      doomed.push_back(s);
    }
    if (doomed.empty()) return;
    auto timer = std::make_shared<asio::steady_timer>(first(), options.shutdown_grace);
    timer->async_wait([timer, doomed = std::move(doomed), why](const boost::system::error_code&) {
      for (const auto& weak : doomed) {
        if (auto s = weak.lock()) s->end(why);
      }
    });
  }
};

Server::Server(ServerOptions options) : impl_(std::make_shared<Impl>(std::move(options))) {
  unsigned n = impl_->options.threads ? impl_->options.threads : std::thread::hardware_concurrency();
  n = std::max(n, 1u);
  for (unsigned i = 0; i < n; ++i) {
    impl_->owned.push_back(std::make_unique<asio::io_context>(1));
    impl_->contexts.push_back(impl_->owned.back().get());
  }
}

Server::Server(asio::io_context& io, ServerOptions options) : impl_(std::make_shared<Impl>(std::move(options))) {
  impl_->contexts.push_back(&io);
}

Server::~Server() {
  shutdown();
  for (auto& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
}

std::error_code Server::start(Config config, std::string& error) {
  Impl& s = *impl_;
  std::lock_guard lock(s.mutex);
  if (s.started) {
    error = "the server was already started";
    return std::make_error_code(std::errc::operation_not_permitted);
  }
  if (const auto problems = validate(config); !problems.empty()) {
    error = join(problems);
    return std::make_error_code(std::errc::invalid_argument);
  }
  std::vector<std::shared_ptr<TargetRuntime>> created;
  if (auto ec = s.bind_portals(config, error)) {
    for (auto it = s.listeners.begin(); it != s.listeners.end();) s.close_portal(it++);
    return ec;
  }
  for (const TargetNode& node : config.targets) {
    auto runtime = TargetRuntime::create(node, s.abort_handler(), error);
    if (!runtime) {
      for (auto it = s.listeners.begin(); it != s.listeners.end();) s.close_portal(it++);
      return std::make_error_code(std::errc::invalid_argument);
    }
    created.push_back(std::move(runtime));
  }
  for (auto& runtime : created) s.core->targets.put(std::move(runtime));
  s.core->discovery.store(std::make_shared<const DiscoveryConfig>(config.discovery));
  s.core->login_timeout_seconds.store(config.login_timeout.count());
  s.started = true;
  for (auto& io : s.owned) {
    s.guards.push_back(asio::make_work_guard(*io));
    s.threads.emplace_back([io = io.get()] { io->run(); });
  }
  return {};
}

ApplyReport Server::apply(Config config) {
  Impl& s = *impl_;
  ApplyReport report;
  std::lock_guard lock(s.mutex);
  if (!s.started || s.stopped) {
    report.errors.push_back("the server is not running");
    return report;
  }
  if (auto problems = validate(config); !problems.empty()) {
    report.errors = std::move(problems);
    return report;
  }
  std::string error;
  if (s.bind_portals(config, error)) report.errors.push_back(error);

  std::set<std::string> wanted;
  for (const TargetNode& node : config.targets) wanted.insert(node.name);
  for (const auto& runtime : s.core->targets.all()) {
    const std::string name = runtime->config()->name;
    if (wanted.contains(name)) continue;
    s.core->targets.remove(name);
    s.retire_sessions([&](const Session& session) { return session.target() == runtime; },
                      make_error_code(errc::target_removed));
    report.targets_removed.push_back(name);
  }
  for (const TargetNode& node : config.targets) {
    if (auto runtime = s.core->targets.find(node.name)) {
      runtime->update(node, report.errors);
      // Sessions of initiators the new ACL no longer allows are logged out.
      s.retire_sessions(
          [&](const Session& session) {
            return session.target() == runtime && !initiator_allowed(node, session.identity().initiator_name);
          },
          make_error_code(errc::target_removed));
      report.targets_changed.push_back(node.name);
      continue;
    }
    auto runtime = TargetRuntime::create(node, s.abort_handler(), error);
    if (!runtime) {
      report.errors.push_back(error);
      continue;
    }
    s.core->targets.put(std::move(runtime));
    report.targets_added.push_back(node.name);
  }
  // Listeners of portals no target names any more; established connections stay.
  const auto portals = s.portals_of(config);
  for (auto it = s.listeners.begin(); it != s.listeners.end();) {
    if (portals.contains(it->first)) {
      ++it;
    } else {
      s.close_portal(it++);
    }
  }
  s.core->discovery.store(std::make_shared<const DiscoveryConfig>(config.discovery));
  s.core->login_timeout_seconds.store(config.login_timeout.count());
  return report;
}

void Server::shutdown() {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.mutex);
    if (s.stopped) return;
    s.stopped = true;
    s.core->shutting_down.store(true);
    for (auto it = s.listeners.begin(); it != s.listeners.end();) s.close_portal(it++);
    if (!s.started) return;
  }
  // Completed writes become stable before anyone is asked to leave.
  for (const auto& target : s.core->targets.all()) target->flush_all();
  for (const auto& c : s.core->connections()) {
    if (!c->session()) c->close(make_error_code(errc::shutting_down));
  }
  s.retire_sessions([](const Session&) { return true; }, make_error_code(errc::shutting_down));
  // Everything still open when the grace period is over is closed.
  auto timer = std::make_shared<asio::steady_timer>(s.first(), s.options.shutdown_grace);
  timer->async_wait([timer, core = s.core](const boost::system::error_code&) {
    for (const auto& c : core->connections()) c->close(make_error_code(errc::shutting_down));
  });
  if (s.owned.empty()) return;  // the caller's io_context finishes the sequence
  // Owned threads: wait until every connection is gone (the timer above bounds it), then
  // let the io_contexts run out of work.
  const auto deadline = std::chrono::steady_clock::now() + s.options.shutdown_grace + std::chrono::seconds(5);
  while (!s.core->connections().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  s.guards.clear();
  for (auto& io : s.owned) {
    if (s.core->connections().empty()) continue;
    io->stop();
  }
  for (auto& t : s.threads) {
    if (t.joinable()) t.join();
  }
}

void Server::adopt(std::unique_ptr<offload::Transport> transport, offload::SocketAddress portal) {
  if (impl_->core->shutting_down.load()) return;
  auto connection = std::make_shared<Connection>(impl_->core, std::move(transport), std::move(portal), impl_->first());
  impl_->core->add_connection(connection);
  connection->start();
}

asio::io_context& Server::io_context() noexcept { return impl_->first(); }

std::vector<offload::SocketAddress> Server::listening() const {
  std::lock_guard lock(impl_->mutex);
  std::vector<offload::SocketAddress> out;
  for (const auto& [key, entry] : impl_->listeners) out.push_back(entry->address);
  return out;
}

std::error_code Server::switch_to_tcp(std::uint64_t id, std::string_view reason) {
  // Bounds the wait for the connection's thread (busy with a long backend call, say).
  constexpr std::chrono::seconds kWait{5};
  std::shared_ptr<Connection> connection;
  for (auto& c : impl_->core->connections()) {
    if (c->id() == id) connection = std::move(c);
  }
  if (!connection) return make_error_code(errc::no_such_connection);
  auto outcome = std::make_shared<std::promise<std::error_code>>();
  std::future<std::error_code> result = outcome->get_future();
  connection->switch_to_tcp(std::string(reason), [outcome](std::error_code ec) { outcome->set_value(ec); });
  if (result.wait_for(kWait) != std::future_status::ready) return std::make_error_code(std::errc::timed_out);
  return result.get();
}

std::vector<ConnectionInfo> Server::connections() const {
  std::vector<ConnectionInfo> out;
  for (const auto& c : impl_->core->connections()) out.push_back(c->info());
  return out;
}

std::vector<SessionInfo> Server::sessions() const {
  std::vector<SessionInfo> out;
  for (const auto& s : impl_->core->sessions.all()) {
    if (s->ended()) continue;
    const SessionIdentity& id = s->identity();
    SessionInfo info;
    info.isid = id.isid;
    info.tsih = s->tsih();
    info.target_portal_group_tag = id.tpgt;
    info.initiator_name = id.initiator_name;
    info.initiator_alias = id.initiator_alias;
    info.target_name = id.target_name;
    info.type = id.type;
    info.params = s->params();
    for (const auto& c : s->connections()) info.connections.push_back(c->info());
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace uiscsi::target::iscsit
