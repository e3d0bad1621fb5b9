// The NBD server: exports, listeners and the accept loops (initiator/nbd/server.h). Each
// client is a detail::Connection.
#include "initiator/nbd/server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "initiator/block_device.h"
#include "initiator/nbd/detail/connection.h"
#include "initiator/nbd/export.h"
#include "initiator/nbd/protocol.h"

namespace uiscsi::initiator::nbd {

namespace asio = boost::asio;
using detail::Protocol;

namespace {

asio::awaitable<void> accept_loop(std::shared_ptr<Server::State> state, detail::Listener* listener) {
  for (;;) {
    auto [ec, socket] = co_await listener->acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (state->stopped || !listener->acceptor.is_open()) co_return;
    if (ec) {
      // Out of descriptors and the like: keep serving the connections we have.
      if (ec == asio::error::operation_aborted) co_return;
      continue;
    }
    detail::Connection::start(state, std::move(socket));
  }
}

// RFC 3986 percent-encoding for the path and query of an NBD URI.
std::string encode(std::string_view text, std::string_view keep) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || std::string_view("-._~").find(ch) != std::string_view::npos ||
        keep.find(ch) != std::string_view::npos) {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace

std::shared_ptr<detail::Export> Server::State::lookup(std::string_view name) const {
  if (auto it = exports.find(name); it != exports.end()) return it->second;
  if (name.empty() && exports.size() == 1) return exports.begin()->second;
  return nullptr;
}

std::optional<ExportDescription> Server::State::find(std::string_view name) const {
  if (stopped) return std::nullopt;
  if (auto e = lookup(name)) return e->description;
  return std::nullopt;
}

std::vector<ExportDescription> Server::State::list() const {
  std::vector<ExportDescription> out;
  for (const auto& [name, e] : exports) out.push_back(e->description);
  return out;
}

Server::Server(asio::io_context& io, ServerOptions options) : state_(std::make_shared<State>(io, options)) {}

Server::~Server() {
  state_->stopped = true;
  for (auto& l : state_->listeners) {
    if (!l->acceptor.is_open()) continue;
    boost::system::error_code ignored;
    l->acceptor.close(ignored);
    if (!l->unix_path.empty()) ::unlink(l->unix_path.c_str());
  }
  // Copies: close() may end a connection, which erases it from the set.
  const std::vector<detail::Connection*> open(state_->connections.begin(), state_->connections.end());
  for (detail::Connection* c : open) c->close();
}

asio::awaitable<std::error_code> Server::add_export(std::string name, BlockDevice& device, ExportOptions options) {
  if (name.size() > kMaxString) co_return std::make_error_code(std::errc::invalid_argument);
  if (state_->exports.count(name) != 0) co_return std::make_error_code(std::errc::file_exists);
  const bool read_only = options.read_only || co_await write_protected(device);
  // The name may have been taken while MODE SENSE ran.
  if (state_->exports.count(name) != 0) co_return std::make_error_code(std::errc::file_exists);
  auto e = std::make_shared<detail::Export>();
  e->device = &device;
  e->description = describe(device, name, std::move(options.description), read_only);
  state_->exports.emplace(std::move(name), std::move(e));
  co_return std::error_code{};
}

asio::awaitable<void> Server::remove_export(std::string name) {
  auto it = state_->exports.find(name);
  if (it == state_->exports.end()) co_return;
  std::shared_ptr<detail::Export> e = it->second;
  state_->exports.erase(it);
  e->removed = true;
  const std::vector<detail::Connection*> open(state_->connections.begin(), state_->connections.end());
  for (detail::Connection* c : open)
    if (c->exported() == e.get()) c->close();
  const auto executor = co_await asio::this_coro::executor;
  while (e->connections > 0) co_await state_->changed.wait(executor);
}

std::vector<ExportInfo> Server::exports() const {
  std::vector<ExportInfo> out;
  for (const auto& [name, e] : state_->exports) {
    const ExportDescription& d = e->description;
    out.push_back({name, d.size, d.minimum_block, d.preferred_block, d.maximum_block, d.flags});
  }
  return out;
}

std::error_code Server::listen_unix(const std::string& path) {
  // Replace a stale socket left by a process that died, but never another kind of file.
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return std::make_error_code(std::errc::file_exists);
    ::unlink(path.c_str());
  }
  auto l = std::make_unique<detail::Listener>(state_->io);
  const Protocol::endpoint endpoint{asio::local::stream_protocol::endpoint(path)};
  boost::system::error_code ec;
  if (l->acceptor.open(endpoint.protocol(), ec) || l->acceptor.bind(endpoint, ec) ||
      l->acceptor.listen(asio::socket_base::max_listen_connections, ec))
    return ec;
  l->unix_path = path;
  asio::co_spawn(state_->io, accept_loop(state_, l.get()), asio::detached);
  state_->listeners.push_back(std::move(l));
  return {};
}

std::error_code Server::listen_tcp(const std::string& address, std::uint16_t port) {
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(address, ec);
  if (ec) return ec;
  auto l = std::make_unique<detail::Listener>(state_->io);
  const Protocol::endpoint endpoint{asio::ip::tcp::endpoint(ip, port)};
  if (l->acceptor.open(endpoint.protocol(), ec) ||
      l->acceptor.set_option(asio::socket_base::reuse_address(true), ec) || l->acceptor.bind(endpoint, ec) ||
      l->acceptor.listen(asio::socket_base::max_listen_connections, ec))
    return ec;
  const auto local = l->acceptor.local_endpoint(ec);
  if (ec) return ec;
  // The generic endpoint holds a sockaddr_in / sockaddr_in6: the port is at the same place.
  l->port = ntohs(reinterpret_cast<const sockaddr_in*>(local.data())->sin_port);
  l->host = address;
  asio::co_spawn(state_->io, accept_loop(state_, l.get()), asio::detached);
  state_->listeners.push_back(std::move(l));
  return {};
}

std::uint16_t Server::tcp_port() const noexcept {
  for (const auto& l : state_->listeners)
    if (l->unix_path.empty()) return l->port;
  return 0;
}

std::error_code Server::use_tls(const std::string& certificate_file, const std::string& key_file, std::string& why) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  boost::system::error_code ec;
  // The NBD specification: TLS 1.2 at least.
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                           asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                           asio::ssl::context::no_tlsv1_1,
                       ec);
  if (!ec) context->use_certificate_chain_file(certificate_file, ec);
  if (ec) {
    why = certificate_file + ": " + ec.message();
    return ec;
  }
  context->use_private_key_file(key_file, asio::ssl::context::pem, ec);
  if (ec) {
    why = key_file + ": " + ec.message();
    return ec;
  }
  state_->tls = std::move(context);
  return {};
}

std::string Server::uri(std::string_view export_name) const {
  if (state_->listeners.empty()) return {};
  const detail::Listener& l = *state_->listeners.front();
  const std::string scheme = state_->tls ? "nbds" : "nbd";
  if (!l.unix_path.empty())
    return scheme + "+unix:///" + encode(export_name, ":") + "?socket=" + encode(l.unix_path, "/");
  const bool v6 = l.host.find(':') != std::string::npos;
  return scheme + "://" + (v6 ? "[" + l.host + "]" : l.host) + ":" + std::to_string(l.port) + "/" +
         encode(export_name, ":");
}

asio::awaitable<void> Server::stop() {
  state_->stopped = true;
  for (auto& l : state_->listeners) {
    if (!l->acceptor.is_open()) continue;
    boost::system::error_code ignored;
    l->acceptor.close(ignored);
    if (!l->unix_path.empty()) ::unlink(l->unix_path.c_str());
  }
  const std::vector<detail::Connection*> open(state_->connections.begin(), state_->connections.end());
  for (detail::Connection* c : open) c->close();
  const auto executor = co_await asio::this_coro::executor;
  while (!state_->connections.empty()) co_await state_->changed.wait(executor);
}

}  // namespace uiscsi::initiator::nbd
