#include "offload/connect.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "offload/detail/tcp_socket.h"

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
  // The chosen path makes its own socket (smc: AF_SMC); the address is the portal's either way.
  std::error_code ec;
  OwnedFd fd = registry.open_socket(d.path.in_use, portal.family(), ec);
  if (ec) {
    co_return Selection{nullptr, std::move(d.path), ec,
                        std::string(name(d.path.in_use)) + ": socket: " + ec.message()};
  }
  const int domain = detail::socket_option(fd.get(), SO_DOMAIN);
  const int protocol = detail::socket_option(fd.get(), SO_PROTOCOL);
  asio::generic::stream_protocol::socket socket(io);
  boost::system::error_code bec;
  socket.assign(asio::generic::stream_protocol(domain, protocol), fd.get(), bec);
  if (bec) co_return Selection{nullptr, std::move(d.path), bec, "connect: " + bec.message()};
  (void)fd.release();  // the Asio socket owns it now

  const asio::generic::stream_protocol::endpoint endpoint(portal.data(), portal.size(), protocol);
  auto [connect_ec] = co_await socket.async_connect(endpoint, asio::as_tuple(asio::use_awaitable));
  if (connect_ec) {
    // Cancelled (the caller gave up waiting): the kernel is still connecting; the path may
    // say what that connect is stuck in, while the socket is still open to be asked about.
    std::string pending;
    if (connect_ec == asio::error::operation_aborted) pending = registry.describe_pending(d.path.in_use, socket.native_handle());
    // The path disposes of it (an AF_SMC socket whose handshake is still running must not
    // be closed on this thread: see smc_transport.h).
    boost::system::error_code release_ec;
    const int native = socket.release(release_ec);
    if (!release_ec) registry.abandon_socket(d.path.in_use, OwnedFd(native));
    std::string error = "connect to " + portal.to_string() + ": " + connect_ec.message();
    if (!pending.empty()) error += " (" + pending + ")";
    co_return Selection{nullptr, std::move(d.path), connect_ec, std::move(error), std::move(pending)};
  }
  co_return registry.adopt(std::move(d.path), io, OwnedFd(socket.release()), options);
}

}  // namespace uiscsi::offload
