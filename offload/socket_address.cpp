#include "offload/socket_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <algorithm>
#include <cstring>

namespace uiscsi::offload {

SocketAddress::SocketAddress() noexcept {
  std::memset(&storage_, 0, sizeof storage_);
  storage_.ss_family = AF_UNSPEC;
}

SocketAddress::SocketAddress(const sockaddr* sa, socklen_t len) noexcept : SocketAddress() {
  size_ = std::min<socklen_t>(len, sizeof storage_);
  std::memcpy(&storage_, sa, size_);
}

std::optional<SocketAddress> SocketAddress::ip(std::string_view host, std::uint16_t port) {
  const std::string text(host);  // inet_pton wants a terminated string
  sockaddr_in v4{};
  if (::inet_pton(AF_INET, text.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(port);
    return SocketAddress(reinterpret_cast<const sockaddr*>(&v4), sizeof v4);
  }
  sockaddr_in6 v6{};
  if (::inet_pton(AF_INET6, text.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(port);
    return SocketAddress(reinterpret_cast<const sockaddr*>(&v6), sizeof v6);
  }
  return std::nullopt;
}

SocketAddress SocketAddress::local_of(int fd) noexcept {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  return SocketAddress(reinterpret_cast<const sockaddr*>(&ss), len);
}

SocketAddress SocketAddress::peer_of(int fd) noexcept {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  return SocketAddress(reinterpret_cast<const sockaddr*>(&ss), len);
}

int SocketAddress::family() const noexcept { return size_ == 0 ? AF_UNSPEC : storage_.ss_family; }

bool SocketAddress::is_ip() const noexcept {
  return (family() == AF_INET && size_ >= sizeof(sockaddr_in)) ||
         (family() == AF_INET6 && size_ >= sizeof(sockaddr_in6));
}

std::uint16_t SocketAddress::port() const noexcept {
  if (!is_ip()) return 0;
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
}

std::string SocketAddress::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (is_ip() && family() == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, text,
                sizeof text);
    return std::string(text) + ":" + std::to_string(port());
  }
  if (is_ip()) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, text,
                sizeof text);
    return "[" + std::string(text) + "]:" + std::to_string(port());
  }
  if (family() == AF_UNIX) {
    // An unnamed socket (socketpair) has only the family; an abstract one starts with '\0'.
    if (size_ <= offsetof(sockaddr_un, sun_path)) return "unix:(unnamed)";
    const auto* un = reinterpret_cast<const sockaddr_un*>(&storage_);
    const std::size_t path_len = size_ - offsetof(sockaddr_un, sun_path);
    if (un->sun_path[0] == '\0') return "unix:@" + std::string(un->sun_path + 1, path_len - 1);
    return "unix:" + std::string(un->sun_path, strnlen(un->sun_path, path_len));
  }
  return "unspecified";
}

bool operator==(const SocketAddress& a, const SocketAddress& b) noexcept {
  return a.size_ == b.size_ && std::memcmp(&a.storage_, &b.storage_, a.size_) == 0;
}

}  // namespace uiscsi::offload
