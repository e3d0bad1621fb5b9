#include "offload/listener.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "offload/detail/tcp_socket.h"

namespace uiscsi::offload {

namespace asio = boost::asio;
using Acceptor = asio::basic_socket_acceptor<asio::generic::stream_protocol>;

struct Listener::Impl {
  asio::io_context& io;
  Acceptor acceptor;
  PathInfo path;  // decided once at open(): every accepted connection is adopted on it
  Registry registry;
  TransportOptions options;
};

Listener::Listener(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Listener::~Listener() = default;

ListenResult Listener::open(asio::io_context& io, const SocketAddress& portal, Policy policy,
                            Registry registry, TransportOptions options) {
  Decision d = registry.decide(policy);
  if (d.ec) return {nullptr, d.ec, std::move(d.error)};
  if (!portal.is_ip()) {
    return {nullptr, std::make_error_code(std::errc::invalid_argument),
            "portal " + portal.to_string() + " is not an IP address"};
  }
  // The path's own listening socket (smc: AF_SMC, so that clients can propose SMC).
  std::error_code socket_ec;
  OwnedFd fd = registry.open_socket(d.path.in_use, portal.family(), socket_ec);
  if (socket_ec) {
    return {nullptr, socket_ec, std::string(name(d.path.in_use)) + ": socket: " + socket_ec.message()};
  }
  const int domain = detail::socket_option(fd.get(), SO_DOMAIN);
  const int protocol = detail::socket_option(fd.get(), SO_PROTOCOL);

  auto impl = std::make_unique<Impl>(Impl{io, Acceptor(io), std::move(d.path), std::move(registry), options});
  auto& acceptor = impl->acceptor;
  boost::system::error_code ec;
  auto failed = [&](const char* step) {
    return ListenResult{nullptr, ec, std::string(step) + " " + portal.to_string() + ": " + ec.message()};
  };
  acceptor.assign(asio::generic::stream_protocol(domain, protocol), fd.get(), ec);
  if (ec) return failed("open");
  (void)fd.release();  // the acceptor owns it now
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return failed("set SO_REUSEADDR for");
  acceptor.bind(asio::generic::stream_protocol::endpoint(portal.data(), portal.size(), protocol), ec);
  if (ec) return failed("bind");
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return failed("listen on");
  return {std::unique_ptr<Listener>(new Listener(std::move(impl))), {}, {}};
}

SocketAddress Listener::local_endpoint() const {
  return SocketAddress::local_of(impl_->acceptor.native_handle());
}

asio::awaitable<Selection> Listener::accept() { return accept(impl_->io); }

asio::awaitable<Selection> Listener::accept(asio::io_context& connection_io) {
  auto [ec, socket] = co_await impl_->acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
  if (ec) co_return Selection{nullptr, impl_->path, ec, "accept: " + ec.message()};
  co_return impl_->registry.adopt(impl_->path, connection_io, OwnedFd(socket.release()), impl_->options);
}

void Listener::close() noexcept {
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
}

}  // namespace uiscsi::offload
