#include "offload/tcp_transport.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <optional>

#include "offload/detail/stream_transport.h"

namespace uiscsi::offload {
namespace {

std::optional<int> socket_option(int fd, int option) {
  int value = 0;
  socklen_t len = sizeof value;
  if (::getsockopt(fd, SOL_SOCKET, option, &value, &len) != 0) return std::nullopt;
  return value;
}

}  // namespace

TransportFactory tcp_factory() {
  return {.path = Path::tcp, .probe = {}, .adopt = make_tcp_transport};
}

std::unique_ptr<Transport> make_tcp_transport(boost::asio::io_context& io, OwnedFd socket,
                                              PathInfo path, const TransportOptions& options,
                                              std::error_code& ec) {
  const auto domain = socket_option(socket.get(), SO_DOMAIN);
  if (!domain || (*domain != AF_INET && *domain != AF_INET6) ||
      socket_option(socket.get(), SO_TYPE) != SOCK_STREAM ||
      socket_option(socket.get(), SO_PROTOCOL) != IPPROTO_TCP) {
    ec = std::make_error_code(std::errc::invalid_argument);
    return nullptr;
  }
  // A PDU is written whole (one gather write), so Nagle could only hold back its tail until
  // the peer ACKs, which delayed ACK may postpone by tens of milliseconds.
  const int on = 1;
  if (::setsockopt(socket.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0) {
    ec = {errno, std::system_category()};
    return nullptr;
  }
  return detail::make_stream_transport(
      io, std::move(socket),
      {.family = *domain, .protocol = IPPROTO_TCP, .path = std::move(path), .options = options,
       .filter = nullptr},
      ec);
}

}  // namespace uiscsi::offload
