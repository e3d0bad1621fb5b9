#include "offload/registry.h"

#include <algorithm>

#include "offload/error.h"
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
  Selection s{nullptr, std::move(d.path), d.ec, std::move(d.error)};
  if (s.ec) return s;
  s.transport = find(s.path.in_use)->adopt(io, std::move(socket), s.path, options, s.ec);
  if (s.ec) s.error = clause(s.path.in_use, s.ec.message());
  return s;
}

}  // namespace uiscsi::offload
