// The placement path's SO_RCVLOWAT: while the receiver waits for the rest of a data segment
// that is read straight into its task's buffers, the socket's low-water mark is the size of
// that read, so the kernel wakes it once per window instead of once per few packets; at a
// PDU boundary it is 1 again. Observed on a real TCP socket through getsockopt.
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include "helpers.h"

namespace uiscsi::offload {
namespace {

using test::io_of;
using test::pattern;
namespace asio = boost::asio;

int low_water(int fd) {
  int value = -1;
  socklen_t length = sizeof value;
  REQUIRE(::getsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &value, &length) == 0);
  return value;
}

// Writes all of `bytes` to the non-blocking socket `fd`, waiting for room.
void write_all(int fd, std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes = bytes.subspan(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) FAIL("send: " << errno);
    pollfd p{fd, POLLOUT, 0};
    (void)::poll(&p, 1, 1000);
  }
}

// Runs `io` a little at a time until `done()` or a generous bound (not a timing assertion:
// each step only lets the receiver make progress).
template <class Done>
void run_until(asio::io_context& io, Done done) {
  for (int i = 0; i < 1000 && !done(); ++i) {
    io.restart();
    io.run_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

TEST_CASE("placement waits for a placed window with SO_RCVLOWAT set to its size", "[placement][tcp]") {
  asio::io_context io;
  TransportOptions options;
  options.receive_buffer_size = 256 * 1024;
  auto pair = test::placement_pair(io, options);
  Transport& sender = *pair.first.transport;  // written to raw, through its socket
  Transport& receiver = *pair.second.transport;
  const iscsi::PduLimits limits{.max_recv_data_segment_length = 1 << 20, .header_digest = false, .data_digest = false};
  receiver.configure(limits);
  const int fd = receiver.native_handle();
  CHECK(low_water(fd) == 1);

  constexpr std::size_t kData = 512 * 1024, kFirst = 100000;
  const auto data = pattern(kData, 17);
  std::vector<std::byte> received(kData);
  const iovec dest = io_of(std::span(received));
  receiver.expect(7, 0, {&dest, 1});
  const iovec v = io_of(std::span<const std::byte>(data));
  const std::vector<std::byte> wire = test::wire_of(test::data_in(7, 0, {&v, 1}));
  REQUIRE(wire.size() == iscsi::kBhsLength + kData);

  // The header and the first bytes of the segment; the rest only once the receiver waits.
  std::atomic<bool> send_rest = false;
  std::thread writer([&] {
    write_all(sender.native_handle(), std::span(wire).first(iscsi::kBhsLength + kFirst));
    while (!send_rest) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    write_all(sender.native_handle(), std::span(wire).subspan(iscsi::kBhsLength + kFirst));
  });
  std::optional<Received> got;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { got = co_await receiver.receive(); }, test::rethrow);

  // Whatever arrived of the first part was read straight into `received`; the receiver then
  // waits for the next window: at most receive_buffer_size bytes, all of them still to come.
  run_until(io, [&] { return low_water(fd) != 1; });
  CHECK(low_water(fd) == 256 * 1024);
  CHECK_FALSE(got);
  send_rest = true;
  run_until(io, [&] { return got.has_value(); });
  writer.join();
  REQUIRE(got);
  REQUIRE_FALSE(got->ec);
  CHECK(got->pdu.data_placed);
  CHECK(test::first_difference(received, data) == -1);
  const Counters c = receiver.counters();
  CHECK(c.bytes_placed + c.bytes_copied == kData);
  CHECK(c.bytes_placed >= kData - kFirst);

  // At a PDU boundary the receiver waits for a header: any byte may be the next one.
  got.reset();
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { got = co_await receiver.receive(); }, test::rethrow);
  run_until(io, [&] { return low_water(fd) == 1; });
  CHECK(low_water(fd) == 1);
  CHECK_FALSE(got);
  receiver.close();
  io.restart();
  io.run();
}

TEST_CASE("the tcp path leaves SO_RCVLOWAT alone", "[tcp]") {
  asio::io_context io;
  const Registry registry = Registry::with_builtin_paths();
  ListenResult l = Listener::open(io, SocketAddress::ip("127.0.0.1", 0).value(), Policy::tcp, registry);
  REQUIRE(l.listener);
  auto pair = test::run(io, [&]() -> asio::awaitable<std::pair<Selection, Selection>> {
    using namespace asio::experimental::awaitable_operators;
    auto [a, b] = co_await (connect(io, l.listener->local_endpoint(), Policy::tcp, registry) && l.listener->accept());
    co_return std::pair{std::move(a), std::move(b)};
  }());
  REQUIRE(pair.first.transport);
  REQUIRE(pair.second.transport);
  Transport& sender = *pair.first.transport;
  Transport& receiver = *pair.second.transport;
  const iscsi::PduLimits limits{.max_recv_data_segment_length = 1 << 20, .header_digest = false, .data_digest = false};
  receiver.configure(limits);
  const auto data = pattern(512 * 1024, 18);
  std::vector<std::byte> received(data.size());
  const iovec dest = io_of(std::span(received));
  receiver.expect(8, 0, {&dest, 1});
  const iovec v = io_of(std::span<const std::byte>(data));
  const std::vector<std::byte> wire = test::wire_of(test::data_in(8, 0, {&v, 1}));
  std::thread writer([&] { write_all(sender.native_handle(), wire); });
  std::optional<Received> got;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { got = co_await receiver.receive(); }, test::rethrow);
  run_until(io, [&] { return got.has_value(); });
  writer.join();
  REQUIRE(got);
  REQUIRE_FALSE(got->ec);
  CHECK(test::first_difference(received, data) == -1);
  CHECK(low_water(receiver.native_handle()) == 1);
}

}  // namespace uiscsi::offload
