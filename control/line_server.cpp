#include "control/line_server.h"

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

namespace uiscsi::control {
namespace asio = boost::asio;
using Socket = asio::local::stream_protocol::socket;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

struct LineServer::Impl {
  Impl(asio::io_context& io, std::filesystem::path p, LineHandler h, LineServerOptions o)
      : acceptor(io), path(std::move(p)), handler(std::move(h)), options(std::move(o)) {}

  asio::local::stream_protocol::acceptor acceptor;
  std::filesystem::path path;
  LineHandler handler;
  LineServerOptions options;
  std::list<std::shared_ptr<Socket>> clients;  // to close them on close()
  bool closed = false;

  // Both coroutines hold `self`, so the state outlives the LineServer until they end.
  static asio::awaitable<void> accept_loop(std::shared_ptr<Impl> self);
  static asio::awaitable<void> serve(std::shared_ptr<Impl> self, std::shared_ptr<Socket> client,
                                     std::list<std::shared_ptr<Socket>>::iterator registration);
};

asio::awaitable<void> LineServer::Impl::serve(std::shared_ptr<Impl> self,
                                                 std::shared_ptr<Socket> client,
                                                 std::list<std::shared_ptr<Socket>>::iterator registration) {
  std::string buffer;
  for (;;) {
    auto [ec, length] = co_await asio::async_read_until(
        *client, asio::dynamic_buffer(buffer, self->options.max_line_bytes), '\n', kTuple);
    if (ec == asio::error::not_found) {
      // The line outgrew max_line_bytes: answer once, then drop the client, since the
      // stream has no line boundary left to resume at.
      co_await asio::async_write(*client, asio::buffer(self->options.too_long_reply), kTuple);
      break;
    }
    if (ec) break;  // end of stream, or close()
    std::string line = buffer.substr(0, length);
    buffer.erase(0, length);
    const std::string response = co_await self->handler(std::move(line));
    if (self->closed) break;  // close() ran while the handler worked
    auto [write_ec, written] = co_await asio::async_write(*client, asio::buffer(response), kTuple);
    if (write_ec) break;
  }
  if (!self->closed) self->clients.erase(registration);
}

asio::awaitable<void> LineServer::Impl::accept_loop(std::shared_ptr<Impl> self) {
  while (!self->closed) {
    auto [ec, socket] = co_await self->acceptor.async_accept(kTuple);
    if (self->closed || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // ECONNABORTED concerns one client; EMFILE / ENFILE last until descriptors are freed.
      // Either way keep serving, after a pause so that a lasting error does not spin.
      asio::steady_timer pause(self->acceptor.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(kTuple);
      continue;
    }
    auto client = std::make_shared<Socket>(std::move(socket));
    self->clients.push_front(client);
    asio::co_spawn(self->acceptor.get_executor(), serve(self, client, self->clients.begin()),
                   asio::detached);
  }
}

namespace {

// A socket file nobody accepts on is a leftover of a daemon that was killed: remove it.
// Returns false with `error` set when the path must not be touched.
bool clear_stale_socket(asio::io_context& io, const std::filesystem::path& path, const std::string& in_use_hint,
                        std::string& error) {
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
    error = path.string() + " is already in use by " + in_use_hint;
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

std::unique_ptr<LineServer> LineServer::open(asio::io_context& io, const std::filesystem::path& path,
                                             LineHandler handler, LineServerOptions options, std::string& error) {
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
  if (!clear_stale_socket(io, path, options.in_use_hint, error)) return nullptr;

  auto impl = std::make_shared<Impl>(io, path, std::move(handler), std::move(options));
  boost::system::error_code ec;
  const asio::local::stream_protocol::endpoint endpoint(path.string());
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec && ::chmod(path.c_str(), S_IRUSR | S_IWUSR) != 0) {
    ec.assign(errno, boost::system::system_category());
  }
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error = "cannot listen on " + path.string() + ": " + ec.message();
    impl->acceptor.close(ec);
    std::error_code fs_ec;
    std::filesystem::remove(path, fs_ec);
    return nullptr;
  }
  asio::co_spawn(io, Impl::accept_loop(impl), asio::detached);
  return std::unique_ptr<LineServer>(new LineServer(std::move(impl)));
}

LineServer::LineServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

LineServer::~LineServer() { close(); }

const std::filesystem::path& LineServer::path() const noexcept { return impl_->path; }

void LineServer::close() noexcept {
  if (impl_->closed) return;
  impl_->closed = true;
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
  for (const auto& client : impl_->clients) client->close(ec);
  impl_->clients.clear();
  std::error_code fs_ec;
  std::filesystem::remove(impl_->path, fs_ec);
}

}  // namespace uiscsi::control
