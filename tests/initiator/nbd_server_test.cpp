// nbd::Server (initiator/nbd/server.h) over a tgtd LUN, driven by a raw NBD client that
// can do what well-behaved clients never do: pipeline many writes and read the replies
// later, send unaligned or out-of-range requests, ignore READ_ONLY, send a wrong magic,
// vanish in the middle of a write's payload. And the API the daemon uses: add_export,
// remove_export with a client connected, stop().
#include <stdlib.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>

#include "helpers.h"
#include "sha256.h"
#include "initiator/block_device.h"
#include "initiator/nbd/protocol.h"
#include "initiator/nbd/server.h"
#include "initiator/nbd/transmission.h"
#include "initiator/session.h"
#include "interop.h"
#include "tgtd.h"

namespace uiscsi::initiator::nbd {
namespace {

namespace asio = boost::asio;
using Socket = asio::local::stream_protocol::socket;
using Bytes = std::vector<std::byte>;
using test::run;
using test::Tgtd;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

struct TempDir {
  TempDir() {
    char pattern[] = "/tmp/uiscsi-nbd-server-test.XXXXXX";
    path = ::mkdtemp(pattern);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

// A minimal NBD client: fixed newstyle, NBD_OPT_GO, simple replies.
struct Client {
  explicit Client(asio::io_context& io) : socket(io) {}
  Socket socket;
  std::uint64_t size = 0;
  std::uint16_t flags = 0;

  asio::awaitable<bool> connect(std::string path, std::string name) {
    auto [ec] = co_await socket.async_connect(asio::local::stream_protocol::endpoint(path), kTuple);
    if (ec) co_return false;
    Bytes greeting(18);
    auto [e1, n1] = co_await asio::async_read(socket, asio::buffer(greeting), kTuple);
    if (e1 || load64(greeting) != NBDMAGIC) co_return false;
    Bytes out;
    put32(out, NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES);
    put64(out, IHAVEOPT);
    put32(out, NBD_OPT_GO);
    put32(out, static_cast<std::uint32_t>(4 + name.size() + 2));
    put32(out, static_cast<std::uint32_t>(name.size()));
    for (char c : name) out.push_back(static_cast<std::byte>(c));
    put16(out, 0);
    auto [e2, n2] = co_await asio::async_write(socket, asio::buffer(out), kTuple);
    if (e2) co_return false;
    for (;;) {
      Bytes header(20);
      auto [e3, n3] = co_await asio::async_read(socket, asio::buffer(header), kTuple);
      if (e3) co_return false;
      Bytes data(load32(std::span(header).subspan(16)));
      auto [e4, n4] = co_await asio::async_read(socket, asio::buffer(data), kTuple);
      if (e4) co_return false;
      const std::uint32_t type = load32(std::span(header).subspan(12));
      if (type == NBD_REP_ACK) co_return true;
      if (type != NBD_REP_INFO) co_return false;
      if (load16(data) == NBD_INFO_EXPORT) {
        size = load64(std::span(data).subspan(2));
        flags = load16(std::span(data).subspan(10));
      }
    }
  }
  asio::awaitable<bool> send(const Request& r, std::span<const std::byte> payload = {}) {
    Bytes out = encode_request(r);
    out.insert(out.end(), payload.begin(), payload.end());
    auto [ec, n] = co_await asio::async_write(socket, asio::buffer(out), kTuple);
    co_return !ec;
  }
  // A simple reply: {handle, error}; `data` gets `length` bytes after a successful one.
  asio::awaitable<std::optional<std::pair<std::uint64_t, std::uint32_t>>> reply(Bytes* data = nullptr) {
    Bytes header(kSimpleReplySize);
    auto [ec, n] = co_await asio::async_read(socket, asio::buffer(header), kTuple);
    if (ec || load32(header) != NBD_SIMPLE_REPLY_MAGIC) co_return std::nullopt;
    const std::uint32_t error = load32(std::span(header).subspan(4));
    if (data && error == 0) {
      auto [e2, n2] = co_await asio::async_read(socket, asio::buffer(*data), kTuple);
      if (e2) co_return std::nullopt;
    }
    co_return std::pair{load64(std::span(header).subspan(8)), error};
  }
  // True when the server closed the connection.
  asio::awaitable<bool> closed() {
    std::byte b;
    auto [ec, n] = co_await asio::async_read(socket, asio::buffer(&b, 1), kTuple);
    co_return ec == asio::error::eof || ec == asio::error::connection_reset;
  }
};

Request request(std::uint16_t type, std::uint64_t handle, std::uint64_t offset, std::uint32_t length,
                std::uint16_t flags = 0) {
  Request r;
  r.type = type;
  r.handle = handle;
  r.offset = offset;
  r.length = length;
  r.flags = flags;
  return r;
}

struct Fixture {
  explicit Fixture(test::TgtdOptions options = {}) : tgtd(options) {
    SessionConfig c;
    c.initiator_name = "iqn.2024-01.org.uiscsi:nbd-server-test";
    c.target_name = tgtd.target_name();
    c.portal = {tgtd.address(), tgtd.port()};
    opened = run(io, Session::open(io, c, test::tested_connector(io)));
    if (!opened.session) throw std::runtime_error(opened.error);
    device = run(io, BlockDevice::open(*opened.session, 1));
    if (!device.device) throw std::runtime_error(device.error);
    socket_path = dir.path + "/nbd.sock";
  }
  ~Fixture() {
    if (opened.session) (void)run(io, opened.session->logout());
    test::drain(io);
  }
  Tgtd tgtd;
  asio::io_context io;
  SessionOpen opened;
  BlockDeviceOpen device;
  TempDir dir;
  std::string socket_path;
};

}  // namespace

TEST_CASE("nbd server: pipelined writes, bad requests answered with errors, acknowledged data survives a vanished client",
          "[.integration][nbd]") {
  SKIP_WITHOUT_TGTD();
  test::TgtdOptions options;
  options.lun_size = 16u << 20;
  Fixture f(options);
  Server server(f.io);
  REQUIRE_FALSE(run(f.io, server.add_export("disk", *f.device.device)));
  REQUIRE_FALSE(server.listen_unix(f.socket_path));
  CHECK(server.uri("disk") == "nbd+unix:///disk?socket=" + f.socket_path);
  REQUIRE(server.exports().size() == 1);
  CHECK(server.exports()[0].size == (16u << 20));
  CHECK(run(f.io, server.add_export("disk", *f.device.device)) == std::errc::file_exists);

  constexpr std::size_t kWrites = 32, kChunk = 64u << 10;
  const Bytes data = test::random_bytes(kWrites * kChunk, 11);
  std::map<std::uint64_t, std::uint32_t> answers;
  Bytes read_back(kWrites * kChunk);
  std::map<std::uint64_t, std::uint32_t> errors;
  bool vanished_ok = false;
  run(f.io, [&]() -> asio::awaitable<void> {
    Client c(f.io);
    const bool connected = co_await c.connect(f.socket_path, "disk");
    REQUIRE(connected);
    CHECK(c.size == (16u << 20));
    CHECK((c.flags & NBD_FLAG_CAN_MULTI_CONN) != 0);
    // All writes first, then the replies: the server must take them in flight together.
    for (std::size_t i = 0; i < kWrites; ++i) {
      const bool sent = co_await c.send(request(NBD_CMD_WRITE, 100 + i, i * kChunk, kChunk),
                                        std::span(data).subspan(i * kChunk, kChunk));
      REQUIRE(sent);
    }
    for (std::size_t i = 0; i < kWrites; ++i) {
      const auto r = co_await c.reply();
      REQUIRE(r);
      answers[r->first] = r->second;
    }
    const bool flushed = co_await c.send(request(NBD_CMD_FLUSH, 1, 0, 0));
    REQUIRE(flushed);
    const auto flush_reply = co_await c.reply();
    REQUIRE(flush_reply);
    errors[1] = flush_reply->second;
    const bool read_sent = co_await c.send(request(NBD_CMD_READ, 2, 0, static_cast<std::uint32_t>(read_back.size())));
    REQUIRE(read_sent);
    const auto read_reply = co_await c.reply(&read_back);
    REQUIRE(read_reply);
    errors[2] = read_reply->second;
    // Unaligned, beyond the end, BLOCK_STATUS without base:allocation, an unknown command.
    for (const Request& bad : {request(NBD_CMD_READ, 3, 100, 512), request(NBD_CMD_READ, 4, 16u << 20, 512),
                               request(NBD_CMD_WRITE, 5, 16u << 20, 0), request(NBD_CMD_BLOCK_STATUS, 6, 0, 512),
                               request(42, 7, 0, 0)}) {
      const bool sent = co_await c.send(bad);
      REQUIRE(sent);
      const auto r = co_await c.reply();
      REQUIRE(r);
      errors[r->first] = r->second;
    }
    // A write whose payload never arrives: the client vanishes after half of it.
    const Bytes half(kChunk / 2, std::byte{0x5a});
    const bool partial = co_await c.send(request(NBD_CMD_WRITE, 8, 0, kChunk), half);
    REQUIRE(partial);
    c.socket.close();
    vanished_ok = true;
  }());
  for (std::size_t i = 0; i < kWrites; ++i) CHECK(answers[100 + i] == 0);
  CHECK(errors[1] == 0);
  CHECK(errors[2] == 0);
  CHECK(test::sha256(read_back) == test::sha256(data));
  CHECK(errors[3] == NBD_EINVAL);
  CHECK(errors[4] == NBD_EINVAL);
  CHECK(errors[6] == NBD_EINVAL);
  CHECK(errors[7] == NBD_EINVAL);
  CHECK(vanished_ok);

  // A wrong request magic ends the connection; a new client still gets served and sees
  // every acknowledged write intact (the half-sent one never reached the target).
  bool closed_on_bad_magic = false;
  Bytes after(kWrites * kChunk);
  std::uint32_t after_error = 1;
  run(f.io, [&]() -> asio::awaitable<void> {
    Client c(f.io);
    const bool connected = co_await c.connect(f.socket_path, "");  // the only export is the default
    REQUIRE(connected);
    const bool sent = co_await c.send(request(NBD_CMD_READ, 9, 0, static_cast<std::uint32_t>(after.size())));
    REQUIRE(sent);
    const auto r = co_await c.reply(&after);
    REQUIRE(r);
    after_error = r->second;
    Bytes junk = encode_request(request(NBD_CMD_READ, 10, 0, 512));
    junk[0] = std::byte{0};
    auto [ec, n] = co_await asio::async_write(c.socket, asio::buffer(junk), kTuple);
    REQUIRE_FALSE(ec);
    closed_on_bad_magic = co_await c.closed();
  }());
  CHECK(after_error == 0);
  CHECK(test::sha256(after) == test::sha256(data));
  CHECK(closed_on_bad_magic);
  run(f.io, server.stop());
}

TEST_CASE("nbd server: a read-only export refuses writes with EPERM; remove_export disconnects its clients",
          "[.integration][nbd]") {
  SKIP_WITHOUT_TGTD();
  test::TgtdOptions options;
  options.lun_size = 8u << 20;
  Fixture f(options);
  Server server(f.io);
  ExportOptions ro;
  ro.read_only = true;
  ro.description = "read-only view";
  REQUIRE_FALSE(run(f.io, server.add_export("ro", *f.device.device, ro)));
  REQUIRE_FALSE(run(f.io, server.add_export("rw", *f.device.device)));
  REQUIRE_FALSE(server.listen_unix(f.socket_path));

  std::uint16_t flags = 0;
  std::uint32_t write_error = 0, trim_error = 0, zero_error = 0;
  bool unknown_refused = false, closed_by_removal = false;
  run(f.io, [&]() -> asio::awaitable<void> {
    Client bad(f.io);
    // Two exports and no "": the default export does not exist.
    unknown_refused = !(co_await bad.connect(f.socket_path, ""));
    Client c(f.io);
    const bool connected = co_await c.connect(f.socket_path, "ro");
    REQUIRE(connected);
    flags = c.flags;
    const Bytes block(512, std::byte{1});
    const bool w = co_await c.send(request(NBD_CMD_WRITE, 1, 0, 512), block);
    REQUIRE(w);
    const auto wr = co_await c.reply();
    REQUIRE(wr);
    write_error = wr->second;
    const bool t = co_await c.send(request(NBD_CMD_TRIM, 2, 0, 512));
    REQUIRE(t);
    const auto tr = co_await c.reply();
    REQUIRE(tr);
    trim_error = tr->second;
    const bool z = co_await c.send(request(NBD_CMD_WRITE_ZEROES, 3, 0, 512));
    REQUIRE(z);
    const auto zr = co_await c.reply();
    REQUIRE(zr);
    zero_error = zr->second;
    // Removing the export while this client is connected closes the connection.
    co_await server.remove_export("ro");
    closed_by_removal = co_await c.closed();
  }());
  CHECK(unknown_refused);
  CHECK((flags & NBD_FLAG_READ_ONLY) != 0);
  CHECK(write_error == NBD_EPERM);
  CHECK(trim_error == NBD_EPERM);
  CHECK(zero_error == NBD_EPERM);
  CHECK(closed_by_removal);
  REQUIRE(server.exports().size() == 1);
  CHECK(server.exports()[0].name == "rw");
  run(f.io, server.stop());
  CHECK_FALSE(std::filesystem::exists(f.socket_path));
}

}  // namespace uiscsi::initiator::nbd
