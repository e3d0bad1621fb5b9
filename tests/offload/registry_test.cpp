// Path names, policies, and the registry's selection with its fallback reasons.
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "offload/error.h"
#include "offload/loopback.h"
#include "offload/registry.h"
#include "offload/tcp_transport.h"

namespace uiscsi::offload {
namespace {

// A stand-in for a path that is not built into this library, so the registry's treatment
// of a registered-but-unavailable path (and of a usable better path) can be checked.
TransportFactory fake_factory(Path path, bool available, std::string reason,
                              int* adopted = nullptr) {
  TransportFactory f;
  f.path = path;
  f.probe = [available, reason] { return Availability{available, reason}; };
  f.adopt = [adopted](boost::asio::io_context& io, OwnedFd socket, PathInfo info,
                      const TransportOptions& options, std::error_code& ec) {
    if (adopted) ++*adopted;
    return make_tcp_transport(io, std::move(socket), std::move(info), options, ec);
  };
  return f;
}

// A connected TCP socket whose peer is kept open by the caller.
struct TcpPair {
  OwnedFd client, server;
};

TcpPair tcp_pair() {
  OwnedFd listener(::socket(AF_INET, SOCK_STREAM, 0));
  REQUIRE(listener);
  auto any = SocketAddress::ip("127.0.0.1", 0).value();
  REQUIRE(::bind(listener.get(), any.data(), any.size()) == 0);
  REQUIRE(::listen(listener.get(), 1) == 0);
  const auto bound = SocketAddress::local_of(listener.get());
  TcpPair pair{OwnedFd(::socket(AF_INET, SOCK_STREAM, 0)), {}};
  REQUIRE(::connect(pair.client.get(), bound.data(), bound.size()) == 0);
  pair.server = OwnedFd(::accept(listener.get(), nullptr, nullptr));
  REQUIRE(pair.server);
  return pair;
}

}  // namespace

TEST_CASE("path and policy names round-trip", "[path]") {
  for (Path p : {Path::tcp, Path::placement, Path::smc, Path::iser}) {
    CHECK(path_from_name(name(p)) == p);
    const auto policy = policy_from_name(name(p));
    REQUIRE(policy);
    CHECK(explicit_path(*policy) == p);
  }
  CHECK(policy_from_name("auto") == Policy::auto_);
  CHECK(name(Policy::auto_) == "auto");
  CHECK_FALSE(explicit_path(Policy::auto_));
  CHECK_FALSE(policy_from_name("TCP"));
  CHECK_FALSE(policy_from_name(""));
  CHECK_FALSE(path_from_name("auto"));
}

TEST_CASE("auto falls back to tcp and says why", "[registry]") {
  Registry registry;
  registry.add(tcp_factory());
  const Decision d = registry.decide(Policy::auto_);
  REQUIRE_FALSE(d.ec);
  CHECK(d.path.requested == Policy::auto_);
  CHECK(d.path.in_use == Path::tcp);
  CHECK(d.path.fallback_reason == "iser: not built; placement: not built; smc: not built");
}

TEST_CASE("the built-in paths: auto takes placement, which needs nothing from the kernel", "[registry]") {
  const Registry registry = Registry::with_builtin_paths();
  for (Path p : {Path::tcp, Path::placement, Path::smc}) CHECK(registry.find(p) != nullptr);
  CHECK(registry.find(Path::iser) == nullptr);  // registered by its own module
  const Decision d = registry.decide(Policy::auto_);
  REQUIRE_FALSE(d.ec);
  CHECK(d.path.in_use == Path::placement);
  CHECK(d.path.fallback_reason == "iser: not built");
}

TEST_CASE("an explicit tcp policy gets tcp with no fallback", "[registry]") {
  const Decision d = Registry::with_builtin_paths().decide(Policy::tcp);
  REQUIRE_FALSE(d.ec);
  CHECK(d.path.in_use == Path::tcp);
  CHECK(d.path.fallback_reason.empty());
}

TEST_CASE("an explicit request for an unavailable path is an error", "[registry]") {
  Registry registry;
  registry.add(tcp_factory());
  SECTION("not registered") {
    const Decision d = registry.decide(Policy::placement);
    CHECK(d.ec == errc::path_unavailable);
    CHECK(d.error == "placement: not built");
  }
  SECTION("registered but its probe says no") {
    registry.add(fake_factory(Path::smc, false, "kernel has no AF_SMC"));
    const Decision d = registry.decide(Policy::smc);
    CHECK(d.ec == errc::path_unavailable);
    CHECK(d.error == "smc: kernel has no AF_SMC");
  }
  SECTION("select closes the socket it was given") {
    auto pair = tcp_pair();
    const int fd = pair.server.get();
    boost::asio::io_context io;
    Selection s = registry.select(Policy::iser, io, std::move(pair.server));
    CHECK(s.ec == errc::path_unavailable);
    CHECK(s.error == "iser: not built");
    CHECK_FALSE(s.transport);
    CHECK(::fcntl(fd, F_GETFD) == -1);  // closed, not leaked
  }
}

TEST_CASE("auto takes the best usable path and lists the ones passed over", "[registry]") {
  Registry registry = Registry::with_builtin_paths();
  int adopted = 0;
  registry.add(fake_factory(Path::placement, false, "no flow table on this NIC"));
  registry.add(fake_factory(Path::smc, true, "", &adopted));

  auto pair = tcp_pair();
  boost::asio::io_context io;
  Selection s = registry.select(Policy::auto_, io, std::move(pair.server));
  REQUIRE_FALSE(s.ec);
  REQUIRE(s.transport);
  CHECK(adopted == 1);
  CHECK(s.path.in_use == Path::smc);
  CHECK(s.path.fallback_reason == "iser: not built; placement: no flow table on this NIC");
  const PathInfo info = s.transport->path_info();
  CHECK(info.requested == Policy::auto_);
  CHECK(info.in_use == Path::smc);
  CHECK(info.fallback_reason == s.path.fallback_reason);
}

TEST_CASE("a registry without tcp has nothing to fall back to", "[registry]") {
  const Decision d = Registry().decide(Policy::auto_);
  CHECK(d.ec == errc::path_unavailable);
  CHECK(d.error == "iser: not built; placement: not built; smc: not built; tcp: not built");
}

TEST_CASE("the tcp factory accepts only TCP sockets", "[registry][tcp]") {
  boost::asio::io_context io;
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  OwnedFd keep(fds[1]);
  std::error_code ec;
  auto t = make_tcp_transport(io, OwnedFd(fds[0]), {}, {}, ec);
  CHECK_FALSE(t);
  CHECK(ec == std::errc::invalid_argument);
  CHECK(::fcntl(fds[0], F_GETFD) == -1);
}

TEST_CASE("the tcp path reports its capabilities honestly", "[tcp]") {
  auto pair = tcp_pair();
  boost::asio::io_context io;
  Selection s = Registry::with_builtin_paths().select(Policy::tcp, io, std::move(pair.server));
  REQUIRE(s.transport);
  const Capabilities caps = s.transport->capabilities();
  CHECK_FALSE(caps.digest_offload);
  CHECK_FALSE(caps.direct_placement);
  CHECK_FALSE(caps.rdma);
  CHECK_FALSE(caps.zero_copy_send);
  CHECK(caps.switch_to_tcp);
  // Already on tcp: a no-op that succeeds and changes nothing.
  CHECK_FALSE(s.transport->switch_to_tcp("operator request"));
  CHECK(s.transport->path_info().in_use == Path::tcp);
  CHECK(s.transport->path_info().fallback_reason.empty());
  int nodelay = 0;
  socklen_t len = sizeof nodelay;
  REQUIRE(::getsockopt(s.transport->native_handle(), IPPROTO_TCP, TCP_NODELAY, &nodelay, &len) == 0);
  CHECK(nodelay != 0);
}

}  // namespace uiscsi::offload
