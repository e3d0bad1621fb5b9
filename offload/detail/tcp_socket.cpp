#include "offload/detail/tcp_socket.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>

namespace uiscsi::offload::detail {

int socket_option(int fd, int option) noexcept {
  int value = 0;
  socklen_t len = sizeof value;
  if (::getsockopt(fd, SOL_SOCKET, option, &value, &len) != 0) return -1;
  return value;
}

std::error_code prepare_tcp_socket(int fd, int& domain) noexcept {
  domain = socket_option(fd, SO_DOMAIN);
  if ((domain != AF_INET && domain != AF_INET6) || socket_option(fd, SO_TYPE) != SOCK_STREAM ||
      socket_option(fd, SO_PROTOCOL) != IPPROTO_TCP) {
    return std::make_error_code(std::errc::invalid_argument);
  }
  // A PDU is written whole (one gather write), so Nagle could only hold back its tail until
  // the peer ACKs, which delayed ACK may postpone by tens of milliseconds.
  const int on = 1;
  if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0) return {errno, std::system_category()};
  return {};
}

}  // namespace uiscsi::offload::detail
