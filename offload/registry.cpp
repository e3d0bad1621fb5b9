#include "offload/registry.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "offload/error.h"
#include "offload/placement_transport.h"
#include "offload/smc_transport.h"
#include "offload/tcp_transport.h"

namespace uiscsi::offload {
namespace {

// Best first: RDMA moves data without the CPU; placement saves a copy on the same socket;
// SMC-R saves kernel work; tcp always works.
constexpr Path kAutoPreference[] = {Path::iser, Path::placement, Path::smc, Path::tcp};

std::string clause(Path path, const std::string& why) { return std::string(name(path)) + ": " + why; }

}  // namespace

Registry Registry::with_builtin_paths() {
  Registry registry;
  registry.add(tcp_factory());
  registry.add(placement_factory());
  registry.add(smc_factory());
  return registry;
}

void Registry::add(TransportFactory factory) {
  auto same = std::find_if(factories_.begin(), factories_.end(),
                           [&](const TransportFactory& f) { return f.path == factory.path; });
  if (same != factories_.end()) {
    *same = std::move(factory);
  } else {
    factories_.push_back(std::move(factory));
  }
}

const TransportFactory* Registry::find(Path path) const noexcept {
  for (const TransportFactory& f : factories_) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

bool Registry::usable(Path path, std::string& why) const {
  const TransportFactory* factory = find(path);
  if (factory == nullptr || !factory->adopt) {
    why = "not built";
    return false;
  }
  if (!factory->probe) return true;
  Availability a = factory->probe();
  if (!a.available) why = a.reason.empty() ? "not available" : std::move(a.reason);
  return a.available;
}

Decision Registry::decide(Policy policy) const {
  Decision d;
  d.path.requested = policy;
  std::string why;
  if (const auto wanted = explicit_path(policy)) {
    if (usable(*wanted, why)) {
      d.path.in_use = *wanted;
    } else {
      d.ec = make_error_code(errc::path_unavailable);
      d.error = clause(*wanted, why);
    }
    return d;
  }
  std::string passed_over;
  for (Path path : kAutoPreference) {
    if (usable(path, why)) {
      d.path.in_use = path;
      d.path.fallback_reason = std::move(passed_over);
      return d;
    }
    if (!passed_over.empty()) passed_over += "; ";
    passed_over += clause(path, why);
  }
  d.ec = make_error_code(errc::path_unavailable);
  d.error = std::move(passed_over);
  return d;
}

Selection Registry::select(Policy policy, boost::asio::io_context& io, OwnedFd socket,
                           const TransportOptions& options) const {
  Decision d = decide(policy);
  if (d.ec) return Selection{nullptr, std::move(d.path), d.ec, std::move(d.error)};
  return adopt(std::move(d.path), io, std::move(socket), options);
}

Selection Registry::adopt(PathInfo path, boost::asio::io_context& io, OwnedFd socket,
                          const TransportOptions& options) const {
  Selection s{nullptr, std::move(path), {}, {}};
  const TransportFactory* factory = find(s.path.in_use);
  if (factory == nullptr || !factory->adopt) {
    s.ec = make_error_code(errc::path_unavailable);
    s.error = clause(s.path.in_use, "not built");
    return s;  // `socket` closes here
  }
  s.transport = factory->adopt(io, std::move(socket), s.path, options, s.ec);
  if (s.ec) {
    s.error = clause(s.path.in_use, s.ec.message());
  } else {
    s.path = s.transport->path_info();  // a path may say more once it has the connection (smc)
  }
  return s;
}

OwnedFd Registry::open_socket(Path path, int family, std::error_code& ec) const {
  const TransportFactory* factory = find(path);
  if (factory == nullptr) {
    ec = make_error_code(errc::path_unavailable);
    return {};
  }
  if (factory->open_socket) return factory->open_socket(family, ec);
  OwnedFd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP));
  if (!fd) ec = {errno, std::system_category()};
  return fd;
}

void Registry::abandon_socket(Path path, OwnedFd socket) const {
  const TransportFactory* factory = find(path);
  if (factory != nullptr && factory->abandon) {
    factory->abandon(std::move(socket));
    return;
  }
  socket.reset();
}

std::string Registry::describe_pending(Path path, int socket) const {
  const TransportFactory* factory = find(path);
  if (factory == nullptr || !factory->describe_pending) return {};
  return factory->describe_pending(socket);
}

}  // namespace uiscsi::offload
