// nbd::Server's handshake timeout (ServerOptions::handshake_timeout): clients that connect
// and never finish the handshake are dropped, a client already in transmission is not.
// The export is a LUN of the fake target. No timing is asserted: the stalled clients are
// only required to be closed eventually (a guard of 30 s turns a hang into a failure).
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include "fake_lun.h"
#include "initiator/block_device.h"
#include "initiator/nbd/protocol.h"
#include "initiator/nbd/server.h"
#include "initiator/nbd/transmission.h"

namespace uiscsi::initiator::nbd {
namespace {

namespace asio = boost::asio;
using Socket = asio::local::stream_protocol::socket;
using Bytes = std::vector<std::byte>;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

using Fixture = test::FakeLun;

asio::awaitable<bool> connect_and_greet(Socket& s, const std::string& path) {
  auto [ec] = co_await s.async_connect(asio::local::stream_protocol::endpoint(path), kTuple);
  if (ec) co_return false;
  Bytes greeting(18);
  auto [e1, n1] = co_await asio::async_read(s, asio::buffer(greeting), kTuple);
  co_return !e1 && load64(greeting) == NBDMAGIC;
}

// The whole handshake: NBD_OPT_GO for the default export, up to NBD_REP_ACK.
asio::awaitable<bool> negotiate(Socket& s, const std::string& path) {
  if (!co_await connect_and_greet(s, path)) co_return false;
  Bytes out;
  put32(out, NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES);
  put64(out, IHAVEOPT);
  put32(out, NBD_OPT_GO);
  put32(out, 6);  // empty name, no information requests
  put32(out, 0);
  put16(out, 0);
  auto [ec, n] = co_await asio::async_write(s, asio::buffer(out), kTuple);
  if (ec) co_return false;
  for (;;) {
    Bytes header(20);
    auto [e1, n1] = co_await asio::async_read(s, asio::buffer(header), kTuple);
    if (e1) co_return false;
    Bytes data(load32(std::span(header).subspan(16)));
    auto [e2, n2] = co_await asio::async_read(s, asio::buffer(data), kTuple);
    if (e2) co_return false;
    const std::uint32_t type = load32(std::span(header).subspan(12));
    if (type == NBD_REP_ACK) co_return true;
    if (type != NBD_REP_INFO) co_return false;
  }
}

// True once the server has closed the connection (end of file or reset).
asio::awaitable<bool> closed_by_server(Socket& s) {
  std::byte b;
  auto [ec, n] = co_await asio::async_read(s, asio::buffer(&b, 1), kTuple);
  co_return ec == asio::error::eof || ec == asio::error::connection_reset;
}

}  // namespace

TEST_CASE("nbd server: clients stalled in the handshake are dropped, a client in transmission stays", "[nbd]") {
  Fixture f;
  ServerOptions options;
  options.handshake_timeout = std::chrono::milliseconds(100);
  Server server(f.io, options);
  REQUIRE_FALSE(test::run(f.io, server.add_export("", *f.device)));
  REQUIRE_FALSE(server.listen_unix(f.socket_path));

  bool negotiated = false, greeted_silent = false, greeted_partial = false;
  bool silent_closed = false, partial_closed = false, read_answered = false;
  std::uint32_t read_error = ~0u;
  test::run(f.io, [&]() -> asio::awaitable<void> {
    Socket good(f.io), silent(f.io), partial(f.io);
    // A hang (no timeout) becomes a failure: the guard closes our sockets.
    asio::steady_timer guard(f.io, std::chrono::seconds(30));
    guard.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      boost::system::error_code ignored;
      good.close(ignored);
      silent.close(ignored);
      partial.close(ignored);
    });
    negotiated = co_await negotiate(good, f.socket_path);
    greeted_silent = co_await connect_and_greet(silent, f.socket_path);
    // The client flags and half an option header, then nothing.
    greeted_partial = co_await connect_and_greet(partial, f.socket_path);
    Bytes half;
    put32(half, NBD_FLAG_C_FIXED_NEWSTYLE);
    put64(half, IHAVEOPT);
    put16(half, 0);
    (void)co_await asio::async_write(partial, asio::buffer(half), kTuple);

    silent_closed = co_await closed_by_server(silent);
    partial_closed = co_await closed_by_server(partial);
    // The client that negotiated first has been connected longer than the stalled ones
    // were when they were dropped: it is still served.
    Request r;
    r.type = NBD_CMD_READ;
    r.handle = 7;
    r.offset = 0;
    r.length = 4096;
    const Bytes request = encode_request(r);
    auto [e1, n1] = co_await asio::async_write(good, asio::buffer(request), kTuple);
    Bytes reply(kSimpleReplySize + 4096);
    auto [e2, n2] = co_await asio::async_read(good, asio::buffer(reply), kTuple);
    if (!e1 && !e2 && load32(reply) == NBD_SIMPLE_REPLY_MAGIC && load64(std::span(reply).subspan(8)) == 7) {
      read_answered = true;
      read_error = load32(std::span(reply).subspan(4));
    }
    guard.cancel();
  }());
  CHECK(negotiated);
  CHECK(greeted_silent);
  CHECK(greeted_partial);
  CHECK(silent_closed);
  CHECK(partial_closed);
  CHECK(read_answered);
  CHECK(read_error == 0);
  test::run(f.io, server.stop());
}

}  // namespace uiscsi::initiator::nbd
