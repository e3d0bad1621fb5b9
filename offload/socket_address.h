// A socket address of any family (IPv4, IPv6, AF_UNIX), as the kernel reports it.
//
// Transports report their 4-tuple with it, so `local_endpoint()` / `remote_endpoint()` are
// exactly what getsockname(2) / getpeername(2) say for the owned socket, whatever its family.
// Kept free of Boost.Asio so that headers naming endpoints stay cheap to compile.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace uiscsi::offload {

class SocketAddress {
 public:
  SocketAddress() noexcept;  // AF_UNSPEC, size 0
  // Copies `len` bytes of `sa` (clamped to sizeof(sockaddr_storage)).
  SocketAddress(const sockaddr* sa, socklen_t len) noexcept;

  // A numeric IPv4 or IPv6 address ("192.0.2.1", "::1") and a port; nullopt if `host` is
  // not a numeric address (name resolution is the caller's business).
  static std::optional<SocketAddress> ip(std::string_view host, std::uint16_t port);
  // getsockname(2) / getpeername(2) of `fd`; AF_UNSPEC if the call fails.
  static SocketAddress local_of(int fd) noexcept;
  static SocketAddress peer_of(int fd) noexcept;

  int family() const noexcept;
  bool is_ip() const noexcept;
  std::uint16_t port() const noexcept;  // 0 unless is_ip()
  // "127.0.0.1:3260", "[::1]:3260", "unix:/path", "unix:(unnamed)", or "unspecified".
  std::string to_string() const;

  const sockaddr* data() const noexcept { return reinterpret_cast<const sockaddr*>(&storage_); }
  socklen_t size() const noexcept { return size_; }

  // Byte-wise equality of the first size() bytes.
  friend bool operator==(const SocketAddress& a, const SocketAddress& b) noexcept;

 private:
  sockaddr_storage storage_;
  socklen_t size_ = 0;
};

}  // namespace uiscsi::offload
