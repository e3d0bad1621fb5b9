// uiscsi-nbd: serves one iSCSI LUN over NBD (see options.cpp for the command line). Logs
// in with the initiator library, opens the LUN with the block API and hands it to
// nbd::Server; SIGINT / SIGTERM stop the server (requests in flight complete), then the
// session logs out.
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <cstdlib>
#include <iostream>

#include "initiator/block_device.h"
#include "initiator/nbd/kernel_device.h"
#include "initiator/nbd/server.h"
#include "initiator/session.h"
#include "offload/registry.h"
#include "options.h"

namespace asio = boost::asio;
namespace initiator = uiscsi::initiator;
using uiscsi::tools::nbd::Options;

namespace {

std::optional<std::string> environment(const char* name) {
  if (const char* v = std::getenv(name)) return std::string(v);
  return std::nullopt;
}

initiator::SessionConfig session_config(const Options& o) {
  initiator::SessionConfig c;
  c.initiator_name = o.initiator_name;
  c.target_name = o.url.target;
  c.portal = o.url.portal;
  if (!o.url.user.empty() || !o.url.password.empty()) {
    initiator::ChapSettings chap;
    chap.user = o.url.user;
    chap.secret = o.url.password;
    chap.target_user = o.url.target_user;
    chap.target_secret = o.url.target_password;
    if (!o.chap_algorithms.empty()) chap.algorithms = o.chap_algorithms;
    c.chap = std::move(chap);
  }
  if (o.url.header_digests) c.negotiation.header_digests = *o.url.header_digests;
  if (o.url.data_digests) c.negotiation.data_digests = *o.url.data_digests;
  c.timeouts.replacement = o.replacement_timeout;
  c.negotiation.max_connections = o.connections;
  return c;
}

// One line on stderr with the path the connection really uses, so that a fallback is seen
// (tests/nbd checks it): "uiscsi-nbd: data path: placement", then " (mode M)" where the path
// has modes (smc, placement) and " (fallback: REASON)" where it is not the one asked for.
void log_data_path(const uiscsi::offload::PathInfo& path) {
  std::cerr << "uiscsi-nbd: data path: " << uiscsi::offload::name(path.in_use);
  if (!path.mode.empty()) std::cerr << " (mode " << path.mode << ')';
  if (!path.fallback_reason.empty()) std::cerr << " (fallback: " << path.fallback_reason << ')';
  std::cerr << std::endl;
}

asio::awaitable<int> serve(asio::io_context& io, const Options& o) {
  auto opened = co_await initiator::Session::open(io, session_config(o),
                                                  initiator::make_connector(io, uiscsi::offload::Registry::with_builtin_paths(), o.path));
  if (!opened.session) {
    std::cerr << "uiscsi-nbd: login to " << o.url.target << " at " << o.url.portal.to_string()
              << " failed: " << opened.error << '\n';
    co_return 1;
  }
  initiator::Session& session = *opened.session;
  log_data_path(session.info().path);
  auto device = co_await initiator::BlockDevice::open(session, o.url.lun);
  if (!device.device) {
    std::cerr << "uiscsi-nbd: LUN " << o.url.lun << ": " << device.error << '\n';
    co_await session.logout();
    co_return 1;
  }
  initiator::nbd::ServerOptions server_options;
  server_options.handshake_timeout = o.handshake_timeout;
  initiator::nbd::Server server(io, server_options);
  initiator::nbd::ExportOptions export_options;
  export_options.description = o.url.target + " LUN " + std::to_string(o.url.lun);
  export_options.read_only = o.read_only;
  if (auto ec = co_await server.add_export(o.export_name, *device.device, export_options)) {
    std::cerr << "uiscsi-nbd: " << ec.message() << '\n';
    co_return 1;
  }
  if (!o.tls_certificate.empty()) {
    std::string why;
    if (server.use_tls(o.tls_certificate, o.tls_key, why)) {
      std::cerr << "uiscsi-nbd: TLS: " << why << '\n';
      co_return 1;
    }
  }
  std::string socket = o.socket;
  if (!o.port && socket.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    socket = std::string(tmp && *tmp ? tmp : "/tmp") + "/uiscsi-nbd-" + std::to_string(::getpid()) + ".sock";
  }
  const std::error_code ec = o.port ? server.listen_tcp(o.bind, *o.port) : server.listen_unix(socket);
  if (ec) {
    std::cerr << "uiscsi-nbd: cannot listen on "
              << (o.port ? o.bind + ":" + std::to_string(*o.port) : socket) << ": " << ec.message() << '\n';
    co_return 1;
  }
  std::cout << server.uri(o.export_name) << std::endl;
  std::optional<int> attached;
  if (o.kernel_device) {
    auto d = co_await initiator::nbd::attach_kernel_device(socket, o.export_name, *o.kernel_device);
    if (d.ec) {
      std::cerr << "uiscsi-nbd: cannot attach /dev/nbd" << *o.kernel_device << ": " << d.error << ": "
                << d.ec.message() << '\n';
      co_await server.stop();
      co_await session.logout();
      co_return 1;
    }
    attached = d.index;
    std::cout << d.path() << std::endl;
  }

  asio::signal_set signals(io, SIGINT, SIGTERM);
  co_await signals.async_wait(asio::use_awaitable);
  if (attached) {
    if (auto ec = co_await initiator::nbd::detach_kernel_device(*attached))
      std::cerr << "uiscsi-nbd: detaching /dev/nbd" << *attached << ": " << ec.message() << '\n';
  }
  co_await server.stop();
  co_await session.logout();
  co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  const auto parsed = uiscsi::tools::nbd::parse_options(args, environment);
  if (!parsed.options) {
    std::cerr << "uiscsi-nbd: " << parsed.error << '\n';
    return 2;
  }
  if (parsed.options->help) {
    std::cout << uiscsi::tools::nbd::help_text();
    return 0;
  }
  asio::io_context io(1);
  int status = 1;
  asio::co_spawn(io, serve(io, *parsed.options), [&](std::exception_ptr e, int s) {
    status = e ? 1 : s;
    io.stop();
  });
  io.run();
  return status;
}
