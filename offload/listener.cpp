#include "offload/listener.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>

namespace uiscsi::offload {

namespace asio = boost::asio;

struct Listener::Impl {
  asio::io_context& io;
  asio::ip::tcp::acceptor acceptor;
  Policy policy;
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
  asio::ip::tcp::endpoint endpoint;
  std::memcpy(endpoint.data(), portal.data(), portal.size());
  endpoint.resize(portal.size());

  auto impl = std::make_unique<Impl>(
      Impl{io, asio::ip::tcp::acceptor(io), policy, std::move(registry), options});
  auto& acceptor = impl->acceptor;
  boost::system::error_code ec;
  auto failed = [&](const char* step) {
    return ListenResult{nullptr, ec, std::string(step) + " " + portal.to_string() + ": " + ec.message()};
  };
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return failed("open");
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return failed("set SO_REUSEADDR for");
  acceptor.bind(endpoint, ec);
  if (ec) return failed("bind");
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return failed("listen on");
  return {std::unique_ptr<Listener>(new Listener(std::move(impl))), {}, {}};
}

SocketAddress Listener::local_endpoint() const {
  boost::system::error_code ec;
  const auto endpoint = impl_->acceptor.local_endpoint(ec);
  if (ec) return {};
  return SocketAddress(endpoint.data(), static_cast<socklen_t>(endpoint.size()));
}

asio::awaitable<Selection> Listener::accept() {
  auto [ec, socket] = co_await impl_->acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
  if (ec) {
    PathInfo path;
    path.requested = impl_->policy;
    co_return Selection{nullptr, std::move(path), ec, "accept: " + ec.message()};
  }
  co_return impl_->registry.select(impl_->policy, impl_->io, OwnedFd(socket.release()),
                                   impl_->options);
}

void Listener::close() noexcept {
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
}

}  // namespace uiscsi::offload
