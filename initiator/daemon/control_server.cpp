#include "initiator/daemon/control_server.h"

#include <sys/stat.h>
#include <sys/un.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <list>

namespace uiscsi::initiator::daemon {
namespace asio = boost::asio;
using Socket = asio::local::stream_protocol::socket;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

struct ControlServer::Impl {
  Impl(asio::io_context& io, std::filesystem::path p, Handler h)
      : acceptor(io), path(std::move(p)), handler(std::move(h)) {}

  asio::local::stream_protocol::acceptor acceptor;
  std::filesystem::path path;
  Handler handler;
  std::list<std::shared_ptr<Socket>> clients;  // to close them on close()
  bool closed = false;

  // Both coroutines hold `self`, so the state outlives the ControlServer until they end.
  static asio::awaitable<void> accept_loop(std::shared_ptr<Impl> self);
  static asio::awaitable<void> serve(std::shared_ptr<Impl> self, std::shared_ptr<Socket> client,
                                     std::list<std::shared_ptr<Socket>>::iterator registration);
};

asio::awaitable<void> ControlServer::Impl::serve(std::shared_ptr<Impl> self, std::shared_ptr<Socket> client,
                                                 std::list<std::shared_ptr<Socket>>::iterator registration) {
  std::string buffer;
  for (;;) {
    auto [ec, length] =
        co_await asio::async_read_until(*client, asio::dynamic_buffer(buffer, kMaxLineBytes), '\n', kTuple);
    if (ec == asio::error::not_found) {
      // No line boundary left to resume at: answer once and drop the client.
      const std::string response = encode_response(Response::failure(7, "request line too long"));
      co_await asio::async_write(*client, asio::buffer(response), kTuple);
      break;
    }
    if (ec) break;  // end of stream, or close()
    std::string error;
    auto request = decode_request(std::string_view(buffer).substr(0, length), error);
    buffer.erase(0, length);
    Response response = Response::failure(7, "bad request: " + error);
    if (request) response = co_await self->handler(std::move(*request));
    if (self->closed) break;
    const std::string line = encode_response(response);
    auto [write_ec, written] = co_await asio::async_write(*client, asio::buffer(line), kTuple);
    if (write_ec) break;
  }
  if (!self->closed) self->clients.erase(registration);
}

asio::awaitable<void> ControlServer::Impl::accept_loop(std::shared_ptr<Impl> self) {
  while (!self->closed) {
    auto [ec, socket] = co_await self->acceptor.async_accept(kTuple);
    if (self->closed || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // EMFILE and friends last until descriptors are freed: pause so that we do not spin.
      asio::steady_timer pause(self->acceptor.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(kTuple);
      continue;
    }
    auto client = std::make_shared<Socket>(std::move(socket));
    self->clients.push_front(client);
    asio::co_spawn(self->acceptor.get_executor(), serve(self, client, self->clients.begin()), asio::detached);
  }
}

namespace {

bool clear_stale_socket(asio::io_context& io, const std::filesystem::path& path, std::string& error) {
  std::error_code fs_ec;
  const auto status = std::filesystem::symlink_status(path, fs_ec);
  if (!std::filesystem::exists(status)) return true;
  if (!std::filesystem::is_socket(status)) {
    error = path.string() + " exists and is not a socket";
    return false;
  }
  Socket probe(io);
  boost::system::error_code ec;
  probe.connect(asio::local::stream_protocol::endpoint(path.string()), ec);
  if (!ec) {
    error = path.string() + " is already in use by a running uiscsid (use --socket PATH)";
    return false;
  }
  std::filesystem::remove(path, fs_ec);
  if (fs_ec) {
    error = "cannot remove the stale socket " + path.string() + ": " + fs_ec.message();
    return false;
  }
  return true;
}

}  // namespace

std::unique_ptr<ControlServer> ControlServer::open(asio::io_context& io, const std::filesystem::path& path,
                                                   Handler handler, std::string& error) {
  if (path.native().size() >= sizeof(sockaddr_un::sun_path)) {
    error = "control socket path " + path.string() + " is longer than " +
            std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes";
    return nullptr;
  }
  if (const auto directory = path.parent_path(); !directory.empty()) {
    std::error_code fs_ec;
    if (!std::filesystem::exists(directory, fs_ec)) {
      std::filesystem::create_directories(directory, fs_ec);
      if (!fs_ec) std::filesystem::permissions(directory, std::filesystem::perms::owner_all, fs_ec);
      if (fs_ec) {
        error = "cannot create " + directory.string() + ": " + fs_ec.message();
        return nullptr;
      }
    }
  }
  if (!clear_stale_socket(io, path, error)) return nullptr;

  auto impl = std::make_shared<Impl>(io, path, std::move(handler));
  boost::system::error_code ec;
  const asio::local::stream_protocol::endpoint endpoint(path.string());
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec && ::chmod(path.c_str(), S_IRUSR | S_IWUSR) != 0) ec.assign(errno, boost::system::system_category());
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error = "cannot listen on " + path.string() + ": " + ec.message();
    impl->acceptor.close(ec);
    std::error_code fs_ec;
    std::filesystem::remove(path, fs_ec);
    return nullptr;
  }
  asio::co_spawn(io, Impl::accept_loop(impl), asio::detached);
  return std::unique_ptr<ControlServer>(new ControlServer(std::move(impl)));
}

ControlServer::ControlServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

ControlServer::~ControlServer() { close(); }

void ControlServer::close() noexcept {
  if (impl_->closed) return;
  impl_->closed = true;
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
  for (const auto& client : impl_->clients) client->close(ec);
  impl_->clients.clear();
  std::error_code fs_ec;
  std::filesystem::remove(impl_->path, fs_ec);
}

}  // namespace uiscsi::initiator::daemon
