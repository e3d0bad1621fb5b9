// What the NBD server's listeners, exports and connections share (initiator/nbd/server.h).
// Private to initiator/nbd.
#pragma once

#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "initiator/detail/wakeup.h"
#include "initiator/nbd/handshake.h"
#include "initiator/nbd/server.h"

namespace uiscsi::initiator::nbd::detail {

using Protocol = boost::asio::generic::stream_protocol;

struct Export {
  BlockDevice* device = nullptr;  // not owned; valid until remove_export() returns
  ExportDescription description;
  bool removed = false;
  std::size_t connections = 0;  // connections in transmission on this export
};

struct Listener {
  explicit Listener(boost::asio::io_context& io) : acceptor(io) {}
  boost::asio::basic_socket_acceptor<Protocol> acceptor;
  std::string unix_path;  // empty for TCP
  std::string host;       // TCP: the address as given
  std::uint16_t port = 0;
};

class Connection;

}  // namespace uiscsi::initiator::nbd::detail

namespace uiscsi::initiator::nbd {

struct Server::State final : ExportCatalog {
  State(boost::asio::io_context& io, ServerOptions options) : io(io), options(options) {}

  // "" is the export named "", or else the only export when there is exactly one.
  std::shared_ptr<detail::Export> lookup(std::string_view name) const;
  std::optional<ExportDescription> find(std::string_view name) const override;
  std::vector<ExportDescription> list() const override;

  boost::asio::io_context& io;
  ServerOptions options;
  std::map<std::string, std::shared_ptr<detail::Export>, std::less<>> exports;
  std::vector<std::unique_ptr<detail::Listener>> listeners;
  std::set<detail::Connection*> connections;  // each removes itself when it is destroyed
  initiator::detail::Broadcast changed;       // a connection ended
  std::shared_ptr<boost::asio::ssl::context> tls;  // set: every client must start TLS
  bool stopped = false;
};

}  // namespace uiscsi::initiator::nbd
