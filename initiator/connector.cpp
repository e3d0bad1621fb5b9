#include "initiator/connector.h"

#include <boost/asio/io_context.hpp>

#include "initiator/error.h"
#include "offload/connect.h"

namespace uiscsi::initiator {

namespace asio = boost::asio;

Connector make_connector(asio::io_context& io, offload::Registry registry, offload::Policy policy,
                         offload::TransportOptions options) {
  // offload::connect() wants the registry to outlive its awaitable; the connector may be
  // copied and outlive its creator, so the registry is shared by every copy.
  auto shared = std::make_shared<const offload::Registry>(std::move(registry));
  return [&io, shared, policy, options](const Portal& portal) -> asio::awaitable<Connected> {
    const auto address = portal.socket_address();
    if (!address) {
      co_return Connected{nullptr, make_error_code(errc::bad_target_address),
                          "portal " + portal.to_string() + " is not a numeric address"};
    }
    offload::Selection s = co_await offload::connect(io, *address, policy, *shared, options);
    co_return Connected{std::move(s.transport), s.ec, std::move(s.error), std::move(s.pending)};
  };
}

}  // namespace uiscsi::initiator
