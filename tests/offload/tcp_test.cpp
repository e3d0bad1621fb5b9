// The tcp path end to end on 127.0.0.1: Listener and connect() on an ephemeral port, the
// owned socket and its 4-tuple, PDUs and placement over a real TCP connection.
#include <fcntl.h>
#include <sys/socket.h>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "helpers.h"
#include "offload/connect.h"
#include "offload/error.h"
#include "offload/listener.h"
#include "offload/tcp_transport.h"

namespace uiscsi::offload {
namespace {

using test::io_of;
using test::pattern;
using test::run;
namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

struct Connection {
  Selection initiator, target;
};

// A listener on 127.0.0.1 with an ephemeral port, and one connection through it.
Connection connect_pair(asio::io_context& io, Listener& listener, const Registry& registry,
                        Policy policy = Policy::tcp) {
  auto task = [&]() -> asio::awaitable<Connection> {
    auto [initiator, target] =
        co_await (connect(io, listener.local_endpoint(), policy, registry) && listener.accept());
    co_return Connection{std::move(initiator), std::move(target)};
  };
  return run(io, task());
}

std::unique_ptr<Listener> open_listener(asio::io_context& io, const Registry& registry) {
  ListenResult l = Listener::open(io, SocketAddress::ip("127.0.0.1", 0).value(), Policy::tcp, registry);
  INFO(l.error);
  REQUIRE_FALSE(l.ec);
  REQUIRE(l.listener);
  return std::move(l.listener);
}

}  // namespace

TEST_CASE("connect() and accept() give tcp transports on real sockets", "[tcp]") {
  asio::io_context io;
  const Registry registry = Registry::with_builtin_paths();
  auto listener = open_listener(io, registry);
  const SocketAddress portal = listener->local_endpoint();
  CHECK(portal.to_string().starts_with("127.0.0.1:"));
  CHECK(portal.port() != 0);

  Connection c = connect_pair(io, *listener, registry);
  INFO(c.initiator.error << " / " << c.target.error);
  REQUIRE(c.initiator.transport);
  REQUIRE(c.target.transport);
  Transport& ini = *c.initiator.transport;
  Transport& tgt = *c.target.transport;

  // Each owns a valid kernel socket, and reports the 4-tuple the kernel has for it.
  for (Transport* t : {&ini, &tgt}) {
    REQUIRE(::fcntl(t->native_handle(), F_GETFD) != -1);
    CHECK(t->local_endpoint() == SocketAddress::local_of(t->native_handle()));
    CHECK(t->remote_endpoint() == SocketAddress::peer_of(t->native_handle()));
    CHECK(t->path_info().requested == Policy::tcp);
    CHECK(t->path_info().in_use == Path::tcp);
    CHECK(t->path_info().fallback_reason.empty());
  }
  CHECK(ini.native_handle() != tgt.native_handle());
  CHECK(ini.remote_endpoint() == portal);
  CHECK(tgt.local_endpoint() == portal);
  CHECK(tgt.remote_endpoint() == ini.local_endpoint());
}

TEST_CASE("IPv6 portals and the auto policy", "[tcp]") {
  asio::io_context io;
  const Registry registry = Registry::with_builtin_paths();
  ListenResult l = Listener::open(io, SocketAddress::ip("::1", 0).value(), Policy::auto_, registry);
  if (l.ec) {
    WARN("no IPv6 loopback on this host: " << l.error);
    return;
  }
  Connection c = connect_pair(io, *l.listener, registry, Policy::auto_);
  REQUIRE(c.initiator.transport);
  REQUIRE(c.target.transport);
  CHECK(c.initiator.transport->remote_endpoint().to_string().starts_with("[::1]:"));
  CHECK(c.target.transport->local_endpoint() == l.listener->local_endpoint());
  // auto is the best built-in path: placement, on the same kind of TCP socket.
  for (const Selection* s : {&c.initiator, &c.target}) {
    const PathInfo info = s->transport->path_info();
    CHECK(info.requested == Policy::auto_);
    CHECK(info.in_use == Path::placement);
    CHECK(info.fallback_reason == "iser: not built");
    CHECK(info.mode == kZeroCopyMode);  // until its first zerocopy send is copied
  }
}

TEST_CASE("PDUs and placement over TCP, every digest setting", "[tcp]") {
  const bool header_digest = GENERATE(false, true);
  const bool data_digest = GENERATE(false, true);
  CAPTURE(header_digest, data_digest);
  asio::io_context io;
  const Registry registry = Registry::with_builtin_paths();
  auto listener = open_listener(io, registry);
  Connection c = connect_pair(io, *listener, registry);
  REQUIRE(c.initiator.transport);
  REQUIRE(c.target.transport);
  Transport& ini = *c.initiator.transport;
  Transport& tgt = *c.target.transport;
  const iscsi::PduLimits limits{.max_recv_data_segment_length = 262144, .header_digest = header_digest,
                                .data_digest = data_digest};
  ini.configure(limits);
  tgt.configure(limits);

  // A write: the initiator sends a command-sized NOP-Out and 1 MiB of Data-Out that the
  // target places; then a read: the target sends Data-In the initiator places.
  constexpr std::size_t kTask = 1 << 20, kPdu = 262144;
  const auto write_data = pattern(kTask, 1), read_data = pattern(kTask, 2);
  std::vector<std::byte> target_buffer(kTask), initiator_buffer(kTask);
  const iovec tb = io_of(std::span(target_buffer)), ib = io_of(std::span(initiator_buffer));
  tgt.expect(100, 0, {&tb, 1});
  ini.expect(200, 0, {&ib, 1});

  auto send_task = [](Transport& t, std::uint32_t itt, const std::vector<std::byte>& data,
                      bool in) -> asio::awaitable<void> {
    for (std::size_t off = 0; off < data.size(); off += kPdu) {
      const iovec v = io_of(std::span<const std::byte>(data).subspan(off, kPdu));
      const auto pdu = in ? test::data_in(itt, std::uint32_t(off), {&v, 1})
                          : test::data_out(itt, std::uint32_t(off), {&v, 1});
      co_await test::send_ok(t, pdu);
    }
  };
  auto receive_task = [](Transport& t, std::size_t count) -> asio::awaitable<void> {
    for (std::size_t i = 0; i < count; ++i) {
      Received r = co_await t.receive();
      REQUIRE_FALSE(r.ec);
      CHECK(r.pdu.data_placed);
    }
  };
  auto both = [&]() -> asio::awaitable<void> {
    co_await (send_task(ini, 100, write_data, false) && receive_task(tgt, kTask / kPdu));
    co_await (send_task(tgt, 200, read_data, true) && receive_task(ini, kTask / kPdu));
  };
  run(io, both());

  CHECK(target_buffer == write_data);
  CHECK(initiator_buffer == read_data);
  for (Transport* t : {&ini, &tgt}) {
    const Counters n = t->counters();
    CHECK(n.bytes_copied == kTask);
    CHECK(n.bytes_owned == 0);
    CHECK(n.pdus_received == kTask / kPdu);
    CHECK(n.pdus_sent == kTask / kPdu);
    CHECK(n.digest_errors == 0);
  }
  CHECK(ini.counters().bytes_sent == tgt.counters().bytes_received);
  CHECK(tgt.counters().bytes_sent == ini.counters().bytes_received);
}

TEST_CASE("the peer closing a TCP connection ends the stream cleanly", "[tcp]") {
  asio::io_context io;
  const Registry registry = Registry::with_builtin_paths();
  auto listener = open_listener(io, registry);
  Connection c = connect_pair(io, *listener, registry);
  REQUIRE(c.target.transport);
  c.initiator.transport.reset();
  auto task = [&]() -> asio::awaitable<std::error_code> { co_return (co_await c.target.transport->receive()).ec; };
  CHECK(run(io, task()) == errc::closed);
}

TEST_CASE("helpers refuse unavailable paths before touching the network", "[tcp][registry]") {
  asio::io_context io;
  Registry registry;
  registry.add(tcp_factory());
  const auto portal = SocketAddress::ip("127.0.0.1", 1).value();

  Selection s = run(io, connect(io, portal, Policy::placement, registry));
  CHECK(s.ec == errc::path_unavailable);
  CHECK(s.error == "placement: not built");

  ListenResult l = Listener::open(io, SocketAddress::ip("127.0.0.1", 0).value(), Policy::smc, registry);
  CHECK(l.ec == errc::path_unavailable);
  CHECK(l.error == "smc: not built");
  CHECK_FALSE(l.listener);
}

TEST_CASE("connect() reports a refused connection as a value", "[tcp]") {
  asio::io_context io;
  const Registry registry = Registry::with_builtin_paths();
  // A port that was just free: bind one, note it, close it.
  SocketAddress portal;
  {
    auto l = open_listener(io, registry);
    portal = l->local_endpoint();
  }
  Selection s = run(io, connect(io, portal, Policy::auto_, registry));
  CHECK(s.ec == std::errc::connection_refused);
  CHECK_FALSE(s.transport);
  CHECK(s.error.starts_with("connect to 127.0.0.1:"));
}

TEST_CASE("a closed listener cancels its pending accept", "[tcp]") {
  asio::io_context io;
  const Registry registry = Registry::with_builtin_paths();
  auto listener = open_listener(io, registry);
  std::optional<Selection> accepted;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { accepted = co_await listener->accept(); }, test::rethrow);
  io.poll();
  REQUIRE_FALSE(accepted);
  listener->close();
  io.run();
  REQUIRE(accepted);
  CHECK(accepted->ec == std::errc::operation_canceled);
  CHECK(accepted->path.requested == Policy::tcp);
}

}  // namespace uiscsi::offload
