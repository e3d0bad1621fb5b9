#include "interop.h"

#include <cstdlib>
#include <stdexcept>

#include "offload/registry.h"

namespace uiscsi::initiator::test {

namespace asio = boost::asio;

offload::Policy tested_policy() {
  const char* name = std::getenv("UISCSI_OFFLOAD");
  if (name == nullptr || *name == '\0') return offload::Policy::tcp;
  const auto policy = offload::policy_from_name(name);
  if (!policy || !offload::explicit_path(*policy)) {
    throw std::invalid_argument(std::string("UISCSI_OFFLOAD=") + name + " names no single data path");
  }
  return *policy;
}

std::string tested_path_unavailable() {
  const offload::Decision d = offload::Registry::with_builtin_paths().decide(tested_policy());
  return d.ec ? d.error : std::string();
}

Connector tested_connector(asio::io_context& io) {
  const offload::Policy policy = tested_policy();
  const offload::Path wanted = *offload::explicit_path(policy);
  Connector inner = make_connector(io, offload::Registry::with_builtin_paths(), policy);
  return [inner = std::move(inner), wanted](const Portal& portal) -> asio::awaitable<Connected> {
    Connected c = co_await inner(portal);
    if (c.transport) {
      const offload::PathInfo p = c.transport->path_info();
      INFO("connection to " << portal.to_string() << ": asked for " << offload::name(wanted) << ", in use "
                            << offload::name(p.in_use) << ", fallback reason \"" << p.fallback_reason << '"');
      CHECK(p.in_use == wanted);
      CHECK(p.fallback_reason.empty());
    }
    co_return c;
  };
}

}  // namespace uiscsi::initiator::test
