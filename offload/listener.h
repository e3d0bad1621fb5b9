// Target side: a listening portal that hands out accepted connections as transports on the
// chosen path, so the target never handles raw sockets.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>
#include <system_error>

#include "offload/registry.h"
#include "offload/socket_address.h"

namespace boost::asio {
class io_context;
}

namespace uiscsi::offload {

class Listener;

struct ListenResult {
  std::unique_ptr<Listener> listener;  // null on error
  std::error_code ec;
  std::string error;  // for people: which path or which step failed
};

class Listener {
 public:
  // Binds `portal` (port 0: an ephemeral port; SO_REUSEADDR) and listens. An explicit
  // policy for a path that is not usable fails here, before any connection arrives.
  static ListenResult open(boost::asio::io_context& io, const SocketAddress& portal,
                           Policy policy, Registry registry, TransportOptions options = {});
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // The bound address, with the real port.
  SocketAddress local_endpoint() const;
  // The next connection, as a transport on the policy's path. The Listener must outlive the
  // awaitable. After close() a pending accept() completes with operation_canceled.
  boost::asio::awaitable<Selection> accept();
  // The same, with the transport on `connection_io` instead of the listener's io_context:
  // a server with one io_context per core spreads the connections of one portal over them.
  boost::asio::awaitable<Selection> accept(boost::asio::io_context& connection_io);
  void close() noexcept;

 private:
  struct Impl;
  explicit Listener(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace uiscsi::offload
