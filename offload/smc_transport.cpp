#include "offload/smc_transport.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <thread>

#include "offload/detail/smc_decline.h"
#include "offload/detail/smc_diag.h"
#include "offload/detail/smc_pending.h"
#include "offload/detail/stream_transport.h"
#include "offload/detail/tcp_socket.h"

namespace uiscsi::offload {
namespace {

// The protocol argument of socket(AF_SMC, ...): net/smc/smc.h (not in the uapi headers).
constexpr int kSmcProtoSmc = 0;   // IPv4 addresses
constexpr int kSmcProtoSmc6 = 1;  // IPv6 addresses

Availability probe_once() {
  static const Availability cached = [] {
    OwnedFd fd(::socket(AF_SMC, SOCK_STREAM | SOCK_CLOEXEC, kSmcProtoSmc));
    if (fd) return Availability{true, {}};
    if (errno == EAFNOSUPPORT) return Availability{false, "kernel has no AF_SMC"};
    return Availability{false, std::string("socket(AF_SMC): ") + std::strerror(errno)};
  }();
  return cached;
}

// What SMC_DIAG says, into the PathInfo of the connection.
void describe(const std::optional<detail::SmcDiagEntry>& entry, const std::error_code& diag_error,
              PathInfo& path) {
  if (!entry) {
    path.mode = "unknown";
    path.fallback_reason = "smc: mode unknown: SMC_DIAG: " + diag_error.message();
    return;
  }
  switch (static_cast<detail::SmcMode>(entry->mode)) {
    case detail::SmcMode::smcr: path.mode = "SMC-R"; return;
    case detail::SmcMode::smcd: path.mode = "SMC-D"; return;
    case detail::SmcMode::fallback_tcp:
      path.mode = "TCP";
      path.fallback_reason =
          "smc: kernel fell back to TCP: " +
          (entry->has_fallback ? detail::describe_smc_fallback(entry->fallback_reason, entry->peer_diagnosis)
                               : std::string("no reason given"));
      return;
  }
  path.mode = "unknown";
  path.fallback_reason = "smc: mode unknown: SMC_DIAG mode " + std::to_string(entry->mode);
}

}  // namespace

TransportFactory smc_factory() {
  TransportFactory f;
  f.path = Path::smc;
  f.probe = probe_once;
  f.adopt = make_smc_transport;
  f.open_socket = open_smc_socket;
  f.abandon = close_abandoned_smc_socket;
  f.describe_pending = describe_pending_smc_socket;
  return f;
}

std::string describe_pending_smc_socket(int socket) {
  std::error_code diag_error;
  const auto entry = detail::query_smc_diag(socket, diag_error);
  return detail::describe_pending_smc_connect(entry, diag_error);
}

void close_abandoned_smc_socket(OwnedFd socket) {
  if (!socket) return;
  try {
    std::thread([fd = std::move(socket)]() mutable { fd.reset(); }).detach();
  } catch (const std::system_error&) {
    // No thread to be had: the closure, destroyed here, has closed it on this thread.
  }
}

OwnedFd open_smc_socket(int family, std::error_code& ec) {
  if (family != AF_INET && family != AF_INET6) {
    ec = std::make_error_code(std::errc::address_family_not_supported);
    return {};
  }
  OwnedFd fd(::socket(AF_SMC, SOCK_STREAM | SOCK_CLOEXEC, family == AF_INET6 ? kSmcProtoSmc6 : kSmcProtoSmc));
  if (!fd) ec = {errno, std::system_category()};
  return fd;
}

std::unique_ptr<Transport> make_smc_transport(boost::asio::io_context& io, OwnedFd socket,
                                              PathInfo path, const TransportOptions& options,
                                              std::error_code& ec) {
  const int fd = socket.get();
  // When the kernel falls back to TCP it hands the file over to the internal TCP socket
  // (smc_switch_to_fallback), so from then on the descriptor answers as AF_INET(6)/TCP; only
  // SMC_DIAG, which lists the socket by its inode, can still tell it is an SMC socket.
  const int domain = detail::socket_option(fd, SO_DOMAIN);
  if ((domain != AF_SMC && domain != AF_INET && domain != AF_INET6) ||
      detail::socket_option(fd, SO_TYPE) != SOCK_STREAM) {
    ec = std::make_error_code(std::errc::invalid_argument);
    return nullptr;
  }
  std::error_code diag_error;
  const auto entry = detail::query_smc_diag(fd, diag_error);
  if (!entry && domain != AF_SMC && diag_error == std::errc::no_such_file_or_directory) {
    ec = std::make_error_code(std::errc::invalid_argument);  // a plain TCP socket
    return nullptr;
  }
  describe(entry, diag_error, path);
  // As on tcp (the kernel applies it to the CLC socket, and to SMC's own send path).
  const int on = 1;
  if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0) {
    ec = {errno, std::system_category()};
    return nullptr;
  }

  detail::StreamSetup setup;
  setup.family = domain;
  setup.protocol = detail::socket_option(fd, SO_PROTOCOL);
  setup.path = std::move(path);
  setup.options = options;
  // Only a connection the kernel runs over TCP can be called tcp.
  setup.can_switch_to_tcp = entry && entry->mode == static_cast<std::uint8_t>(detail::SmcMode::fallback_tcp);
  return detail::make_stream_transport(io, std::move(socket), std::move(setup), ec);
}

}  // namespace uiscsi::offload
