#include "offload/connect.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>

namespace uiscsi::offload {

namespace asio = boost::asio;

asio::awaitable<Selection> connect(asio::io_context& io, SocketAddress portal, Policy policy,
                                   const Registry& registry, TransportOptions options) {
  Decision d = registry.decide(policy);
  if (d.ec) co_return Selection{nullptr, std::move(d.path), d.ec, std::move(d.error)};
  if (!portal.is_ip()) {
    co_return Selection{nullptr, std::move(d.path), std::make_error_code(std::errc::invalid_argument),
                        "portal " + portal.to_string() + " is not an IP address"};
  }
  asio::ip::tcp::endpoint endpoint;
  std::memcpy(endpoint.data(), portal.data(), portal.size());
  endpoint.resize(portal.size());

  asio::ip::tcp::socket socket(io);
  auto [ec] = co_await socket.async_connect(endpoint, asio::as_tuple(asio::use_awaitable));
  if (ec) {
    co_return Selection{nullptr, std::move(d.path), ec,
                        "connect to " + portal.to_string() + ": " + ec.message()};
  }
  co_return registry.select(policy, io, OwnedFd(socket.release()), options);
}

}  // namespace uiscsi::offload
