// Checks and settings shared by the paths that run over a kernel TCP socket (tcp, placement).
#pragma once

#include <system_error>

namespace uiscsi::offload::detail {

// Checks that `fd` is an IPv4/IPv6 TCP stream socket and turns Nagle off. Returns its
// domain (AF_INET or AF_INET6) in `domain`. Errors: std::errc::invalid_argument (not a
// TCP socket), or the setsockopt error.
std::error_code prepare_tcp_socket(int fd, int& domain) noexcept;

// SO_DOMAIN / SO_TYPE / SO_PROTOCOL of a socket; -1 if getsockopt fails.
int socket_option(int fd, int option) noexcept;

}  // namespace uiscsi::offload::detail
