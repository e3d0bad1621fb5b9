#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "offload/socket_address.h"

namespace uiscsi::offload {

TEST_CASE("numeric addresses parse and print", "[address]") {
  auto v4 = SocketAddress::ip("192.0.2.7", 3260);
  REQUIRE(v4);
  CHECK(v4->family() == AF_INET);
  CHECK(v4->port() == 3260);
  CHECK(v4->to_string() == "192.0.2.7:3260");

  auto v6 = SocketAddress::ip("2001:db8::1", 860);
  REQUIRE(v6);
  CHECK(v6->family() == AF_INET6);
  CHECK(v6->to_string() == "[2001:db8::1]:860");

  CHECK_FALSE(SocketAddress::ip("example.com", 1));
  CHECK_FALSE(SocketAddress::ip("", 1));
  CHECK_FALSE(SocketAddress::ip("1.2.3.4.5", 1));
  CHECK(*v4 == *SocketAddress::ip("192.0.2.7", 3260));
  CHECK_FALSE(*v4 == *SocketAddress::ip("192.0.2.7", 3261));
}

TEST_CASE("other families print without guessing", "[address]") {
  CHECK(SocketAddress().to_string() == "unspecified");
  CHECK(SocketAddress().family() == AF_UNSPEC);
  CHECK(SocketAddress().port() == 0);

  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  std::strcpy(un.sun_path, "/run/uiscsi.sock");
  const socklen_t len = socklen_t(offsetof(sockaddr_un, sun_path) + std::strlen(un.sun_path) + 1);
  const SocketAddress named(reinterpret_cast<const sockaddr*>(&un), len);
  CHECK(named.to_string() == "unix:/run/uiscsi.sock");
  CHECK(named.port() == 0);
  CHECK_FALSE(named.is_ip());

  const SocketAddress unnamed(reinterpret_cast<const sockaddr*>(&un), sizeof(sa_family_t));
  CHECK(unnamed.to_string() == "unix:(unnamed)");
}

TEST_CASE("a failing getsockname gives an unspecified address", "[address]") {
  CHECK(SocketAddress::local_of(-1).family() == AF_UNSPEC);
  CHECK(SocketAddress::peer_of(-1).family() == AF_UNSPEC);
}

}  // namespace uiscsi::offload
