// The stream transport over the loopback pair: round trips under every digest setting and
// every split, concurrent senders, injected faults, and close semantics.
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "helpers.h"
#include "iscsi/pdu_ahs.h"
#include "iscsi/pdu_error.h"
#include "offload/error.h"
#include "offload/loopback.h"

namespace uiscsi::offload {
namespace {

using test::io_of;
using test::pattern;
using test::run;
namespace asio = boost::asio;

// Faults with one thing set (designated initializers that skip members trip
// -Wmissing-field-initializers on GCC 12).
testing::Faults split_every_byte(bool on = true) {
  testing::Faults f;
  f.byte_at_a_time = on;
  return f;
}
testing::Faults corrupt_at(std::uint64_t offset) {
  testing::Faults f;
  f.corrupt_offset = offset;
  return f;
}
testing::Faults drop(std::uint64_t index) {
  testing::Faults f;
  f.drop_pdu = index;
  return f;
}
testing::Faults cut_after(std::uint64_t bytes) {
  testing::Faults f;
  f.close_after = bytes;
  return f;
}

iscsi::PduLimits limits(bool header_digest, bool data_digest, std::uint32_t max = 65536) {
  return {.max_recv_data_segment_length = max, .header_digest = header_digest, .data_digest = data_digest};
}

TransportOptions small_receive_buffer() {
  TransportOptions o;
  o.receive_buffer_size = 1000;
  return o;
}

// Data lengths that exercise every padding length, an empty segment, and multi-read segments.
const std::vector<std::size_t> kLengths = {0, 1, 2, 3, 4, 5, 47, 48, 49, 1000, 4096, 65536};

// Sends one NOP-Out per entry of kLengths (ITT = index, data = pattern(length, index)) on
// `from` while receiving them on `to`, and checks each against what was sent. Sending and
// receiving run concurrently so that large PDUs cannot fill the socket and stall.
asio::awaitable<void> round_trip(Transport& from, Transport& to) {
  using namespace asio::experimental::awaitable_operators;
  std::vector<std::vector<std::byte>> payloads;
  for (std::size_t i = 0; i < kLengths.size(); ++i) payloads.push_back(pattern(kLengths[i], unsigned(i)));

  auto send_all = [&]() -> asio::awaitable<void> {
    for (std::size_t i = 0; i < payloads.size(); ++i) {
      const iovec iov = io_of(std::span<const std::byte>(payloads[i]));
      const auto pdu = test::nop_out(std::uint32_t(i), payloads[i].empty() ? std::span<const iovec>() : std::span(&iov, 1));
      const std::error_code ec = co_await from.send(pdu);
      REQUIRE_FALSE(ec);
    }
  };
  auto receive_all = [&]() -> asio::awaitable<void> {
    for (std::size_t i = 0; i < payloads.size(); ++i) {
      Received r = co_await to.receive();
      REQUIRE_FALSE(r.ec);
      CHECK(r.pdu.bhs.opcode() == iscsi::Opcode::nop_out);
      CHECK(r.pdu.bhs.initiator_task_tag() == i);
      CHECK(r.pdu.bhs.data_segment_length() == payloads[i].size());
      CHECK_FALSE(r.pdu.data_placed);
      CHECK(std::equal(r.pdu.data.begin(), r.pdu.data.end(), payloads[i].begin(), payloads[i].end()));
    }
  };
  co_await (send_all() && receive_all());
}

std::uint64_t total_length() {
  std::uint64_t sum = 0;
  for (std::size_t n : kLengths) sum += n;
  return sum;
}

}  // namespace

TEST_CASE("PDUs round-trip under every digest setting and every split", "[loopback]") {
  const bool header_digest = GENERATE(false, true);
  const bool data_digest = GENERATE(false, true);
  const bool byte_at_a_time = GENERATE(false, true);
  CAPTURE(header_digest, data_digest, byte_at_a_time);

  asio::io_context io;
  auto pair = testing::make_loopback_pair(io, {}, split_every_byte(byte_at_a_time));
  pair.first->configure(limits(header_digest, data_digest));
  pair.second->configure(limits(header_digest, data_digest));

  run(io, round_trip(*pair.first, *pair.second));

  const Counters sent = pair.first->counters();
  const Counters got = pair.second->counters();
  CHECK(sent.pdus_sent == kLengths.size());
  CHECK(got.pdus_received == kLengths.size());
  CHECK(sent.bytes_sent == got.bytes_received);
  CHECK(got.bytes_owned == total_length());
  CHECK(got.bytes_copied == 0);
  CHECK(got.bytes_placed == 0);
  CHECK(got.digest_errors == 0);
  if (byte_at_a_time) CHECK(pair.second_faults->bytes_seen() == got.bytes_received);
  // Framing on the wire: 48-byte BHS, digests when on, data padded to 4.
  std::uint64_t wire = 0;
  for (std::size_t n : kLengths) {
    wire += 48 + (header_digest ? 4 : 0) + n + iscsi::padding_length(n) + (data_digest && n ? 4 : 0);
  }
  CHECK(got.bytes_received == wire);
}

TEST_CASE("an AHS survives the trip, with and without HeaderDigest", "[loopback]") {
  const bool header_digest = GENERATE(false, true);
  asio::io_context io;
  auto pair = testing::make_loopback_pair(io, {}, split_every_byte());
  pair.first->configure(limits(header_digest, false));
  pair.second->configure(limits(header_digest, false));

  std::vector<std::byte> ahs;
  iscsi::append_bidirectional_read_data_length_ahs(ahs, 123456);
  const auto data = pattern(10);
  const iovec iov = io_of(std::span<const std::byte>(data));
  iscsi::OutgoingPdu pdu = test::nop_out(9, {&iov, 1});
  pdu.ahs = ahs;

  auto task = [&]() -> asio::awaitable<Received> {
    co_await test::send_ok(*pair.first, pdu);
    co_return co_await pair.second->receive();
  };
  Received r = run(io, task());
  REQUIRE_FALSE(r.ec);
  CHECK(r.pdu.bhs.total_ahs_length() * 4u == ahs.size());
  CHECK(std::equal(r.pdu.ahs.begin(), r.pdu.ahs.end(), ahs.begin(), ahs.end()));
  CHECK(std::equal(r.pdu.data.begin(), r.pdu.data.end(), data.begin(), data.end()));
}

TEST_CASE("concurrent senders never interleave PDUs", "[loopback]") {
  constexpr int kSenders = 6;
  constexpr int kPerSender = 20;
  asio::io_context io;
  // A small receive buffer keeps the receiver behind, so sends queue up and get batched.
  auto pair = testing::make_loopback_pair(io, {}, {}, small_receive_buffer());
  pair.first->configure(limits(true, true));
  pair.second->configure(limits(true, true));

  // Sender s, PDU k: ITT s * 1000 + k, a size that differs per PDU, content from the ITT.
  auto size_of = [](int s, int k) { return std::size_t(1 + (s * 7919 + k * 104729) % 40000); };
  int completed = 0;
  auto sender = [&](int s) -> asio::awaitable<void> {
    for (int k = 0; k < kPerSender; ++k) {
      const std::uint32_t itt = std::uint32_t(s * 1000 + k);
      const auto data = pattern(size_of(s, k), itt);
      const iovec iov = io_of(std::span<const std::byte>(data));
      const std::error_code ec = co_await pair.first->send(test::nop_out(itt, {&iov, 1}));
      REQUIRE_FALSE(ec);
      ++completed;
    }
  };
  for (int s = 0; s < kSenders; ++s) asio::co_spawn(io, sender(s), test::rethrow);

  auto receiver = [&]() -> asio::awaitable<int> {
    int next[kSenders] = {};
    for (int i = 0; i < kSenders * kPerSender; ++i) {
      Received r = co_await pair.second->receive();
      REQUIRE_FALSE(r.ec);
      const std::uint32_t itt = r.pdu.bhs.initiator_task_tag();
      const int s = int(itt / 1000), k = int(itt % 1000);
      REQUIRE(s < kSenders);
      CHECK(k == next[s]++);  // each sender's PDUs arrive in its order
      const auto expected = pattern(size_of(s, k), itt);
      REQUIRE(std::equal(r.pdu.data.begin(), r.pdu.data.end(), expected.begin(), expected.end()));
    }
    co_return kSenders * kPerSender;
  };
  CHECK(run(io, receiver()) == kSenders * kPerSender);
  CHECK(completed == kSenders * kPerSender);
  CHECK(pair.first->counters().pdus_sent == kSenders * kPerSender);
  CHECK(pair.second->counters().digest_errors == 0);
}

TEST_CASE("limits from configure() apply from the next PDU", "[loopback]") {
  asio::io_context io;
  auto pair = testing::make_loopback_pair(io);
  const auto data = pattern(100);
  const iovec iov = io_of(std::span<const std::byte>(data));

  // Like the end of login: the last login PDU without digests, the next one with them, both
  // already buffered at the receiver when it switches.
  auto task = [&]() -> asio::awaitable<void> {
    co_await test::send_ok(*pair.first, test::nop_out(1, {&iov, 1}));
    pair.first->configure(limits(true, true));
    co_await test::send_ok(*pair.first, test::nop_out(2, {&iov, 1}));

    Received a = co_await pair.second->receive();
    REQUIRE_FALSE(a.ec);
    CHECK(a.pdu.bhs.initiator_task_tag() == 1);
    pair.second->configure(limits(true, true));
    Received b = co_await pair.second->receive();
    REQUIRE_FALSE(b.ec);
    CHECK(b.pdu.bhs.initiator_task_tag() == 2);
    CHECK(std::equal(b.pdu.data.begin(), b.pdu.data.end(), data.begin(), data.end()));
  };
  run(io, task());
}

TEST_CASE("limits set while a PDU is half received apply after it", "[loopback]") {
  asio::io_context io;
  auto pair = testing::make_loopback_pair(io);
  const auto data = pattern(100);
  const iovec iov = io_of(std::span<const std::byte>(data));
  const auto plain = test::wire_of(test::nop_out(1, {&iov, 1}));
  const auto digested = test::wire_of(test::nop_out(2, {&iov, 1}), {true, true});
  const int fd = pair.first->native_handle();

  std::optional<Received> got;
  auto receive = [&]() -> asio::awaitable<void> { got = co_await pair.second->receive(); };
  asio::co_spawn(io, receive(), test::rethrow);
  REQUIRE(::write(fd, plain.data(), 60) == 60);
  while (pair.second->counters().bytes_received < 60) io.run_one();
  pair.second->configure(limits(true, true));  // mid-PDU: deferred to its end
  REQUIRE(::write(fd, plain.data() + 60, plain.size() - 60) == ssize_t(plain.size() - 60));
  REQUIRE(::write(fd, digested.data(), digested.size()) == ssize_t(digested.size()));
  while (!got) io.run_one();
  REQUIRE_FALSE(got->ec);
  CHECK(got->pdu.bhs.initiator_task_tag() == 1);

  got.reset();
  io.restart();  // run_one() stopped the io_context when it ran out of work
  asio::co_spawn(io, receive(), test::rethrow);
  while (!got) io.run_one();
  REQUIRE_FALSE(got->ec);
  CHECK(got->pdu.bhs.initiator_task_tag() == 2);
  CHECK(pair.second->counters().bytes_received == plain.size() + digested.size());
}

TEST_CASE("a cancelled receive loses nothing, even mid-PDU", "[loopback]") {
  using namespace asio::experimental::awaitable_operators;
  asio::io_context io;
  auto pair = testing::make_loopback_pair(io);
  const auto data = pattern(300);
  const iovec iov = io_of(std::span<const std::byte>(data));
  const auto wire = test::wire_of(test::nop_out(5, {&iov, 1}));

  // Half a PDU arrives, then the receiver gives up waiting (a timer wins the race).
  REQUIRE(::write(pair.first->native_handle(), wire.data(), 100) == 100);
  auto impatient = [&]() -> asio::awaitable<bool> {
    asio::steady_timer timer(io, std::chrono::milliseconds(20));
    auto winner = co_await (pair.second->receive() || timer.async_wait(asio::use_awaitable));
    co_return winner.index() == 1;
  };
  CHECK(run(io, impatient()));
  CHECK(pair.second->counters().bytes_received == 100);

  REQUIRE(::write(pair.first->native_handle(), wire.data() + 100, wire.size() - 100) ==
          ssize_t(wire.size() - 100));
  auto patient = [&]() -> asio::awaitable<Received> { co_return co_await pair.second->receive(); };
  Received r = run(io, patient());
  REQUIRE_FALSE(r.ec);
  CHECK(r.pdu.bhs.initiator_task_tag() == 5);
  CHECK(std::equal(r.pdu.data.begin(), r.pdu.data.end(), data.begin(), data.end()));
}

TEST_CASE("a DataSegmentLength above MaxRecvDataSegmentLength stops the stream", "[loopback]") {
  asio::io_context io;
  auto pair = testing::make_loopback_pair(io);
  pair.second->configure(limits(false, false, 512));
  const auto data = pattern(513);
  const iovec iov = io_of(std::span<const std::byte>(data));
  auto task = [&]() -> asio::awaitable<void> {
    co_await test::send_ok(*pair.first, test::nop_out(1, {&iov, 1}));
    Received r = co_await pair.second->receive();
    CHECK(r.ec == iscsi::pdu_errc::data_segment_too_long);
    // Sticky: no PDU boundary can be trusted after it.
    Received again = co_await pair.second->receive();
    CHECK(again.ec == iscsi::pdu_errc::data_segment_too_long);
    // Sending still works, so the session layer can answer before closing.
    co_await test::send_ok(*pair.second, test::nop_out(2, {}));
    Received answer = co_await pair.first->receive();
    CHECK_FALSE(answer.ec);
  };
  run(io, task());
}

TEST_CASE("a corrupted byte is reported as a digest error and counted", "[loopback][faults]") {
  asio::io_context io;
  const auto data = pattern(300);
  const iovec iov = io_of(std::span<const std::byte>(data));

  SECTION("in the data segment: DataDigest catches it, the header is still delivered") {
    auto pair = testing::make_loopback_pair(io, {}, corrupt_at(48 + 4 + 123));
    pair.first->configure(limits(true, true));
    pair.second->configure(limits(true, true));
    auto task = [&]() -> asio::awaitable<void> {
      co_await test::send_ok(*pair.first, test::nop_out(77, {&iov, 1}));
      Received r = co_await pair.second->receive();
      CHECK(r.ec == iscsi::pdu_errc::data_digest_mismatch);
      CHECK(iscsi::is_digest_error(r.ec));
      CHECK(r.pdu.bhs.initiator_task_tag() == 77);
      CHECK(pair.second->counters().digest_errors == 1);
      CHECK(pair.second->counters().pdus_received == 0);
      Received again = co_await pair.second->receive();
      CHECK(again.ec == iscsi::pdu_errc::data_digest_mismatch);
      CHECK(pair.second->counters().digest_errors == 1);  // one error, counted once
    };
    run(io, task());
  }
  SECTION("in the header: HeaderDigest catches it") {
    auto pair = testing::make_loopback_pair(io, {}, corrupt_at(20));
    pair.first->configure(limits(true, false));
    pair.second->configure(limits(true, false));
    auto task = [&]() -> asio::awaitable<void> {
      co_await test::send_ok(*pair.first, test::nop_out(77, {&iov, 1}));
      Received r = co_await pair.second->receive();
      CHECK(r.ec == iscsi::pdu_errc::header_digest_mismatch);
      CHECK(pair.second->counters().digest_errors == 1);
    };
    run(io, task());
  }
  SECTION("without DataDigest the corruption goes through unnoticed") {
    auto pair = testing::make_loopback_pair(io, {}, corrupt_at(48 + 123));
    auto task = [&]() -> asio::awaitable<void> {
      co_await test::send_ok(*pair.first, test::nop_out(77, {&iov, 1}));
      Received r = co_await pair.second->receive();
      REQUIRE_FALSE(r.ec);
      CHECK(r.pdu.data[123] == (data[123] ^ std::byte{0xff}));
      CHECK(pair.second->counters().digest_errors == 0);
    };
    run(io, task());
  }
}

TEST_CASE("a dropped PDU is never delivered", "[loopback][faults]") {
  asio::io_context io;
  auto pair = testing::make_loopback_pair(io, {}, drop(2));
  const auto data = pattern(64);
  const iovec iov = io_of(std::span<const std::byte>(data));
  auto task = [&]() -> asio::awaitable<std::vector<std::uint32_t>> {
    for (std::uint32_t itt = 1; itt <= 3; ++itt) {
      co_await test::send_ok(*pair.first, test::nop_out(itt, {&iov, 1}));
    }
    std::vector<std::uint32_t> got;
    for (int i = 0; i < 2; ++i) {
      Received r = co_await pair.second->receive();
      REQUIRE_FALSE(r.ec);
      got.push_back(r.pdu.bhs.initiator_task_tag());
    }
    // Armed at run time: the next PDU to arrive is dropped.
    pair.second_faults->drop_next_pdu();
    co_await test::send_ok(*pair.first, test::nop_out(4, {&iov, 1}));
    co_await test::send_ok(*pair.first, test::nop_out(5, {&iov, 1}));
    Received r = co_await pair.second->receive();
    REQUIRE_FALSE(r.ec);
    got.push_back(r.pdu.bhs.initiator_task_tag());
    co_return got;
  };
  CHECK(run(io, task()) == std::vector<std::uint32_t>{1, 3, 5});
  CHECK(pair.second_faults->pdus_dropped() == 2);
  CHECK(pair.second->counters().pdus_received == 3);
}

TEST_CASE("a connection cut mid-PDU is a clean error on both ends", "[loopback][faults]") {
  asio::io_context io;
  const auto data = pattern(200);
  const iovec iov = io_of(std::span<const std::byte>(data));
  const std::uint64_t pdu_size = 48 + 200;

  SECTION("inside the second PDU") {
    const std::uint64_t cut = GENERATE_COPY(pdu_size + 1, pdu_size + 47, pdu_size + 48, pdu_size + 100);
    auto pair = testing::make_loopback_pair(io, {}, cut_after(cut));
    auto task = [&]() -> asio::awaitable<void> {
      co_await test::send_ok(*pair.first, test::nop_out(1, {&iov, 1}));
      co_await test::send_ok(*pair.first, test::nop_out(2, {&iov, 1}));
      Received a = co_await pair.second->receive();
      REQUIRE_FALSE(a.ec);
      Received b = co_await pair.second->receive();
      CHECK(b.ec == errc::closed_mid_pdu);
      Received again = co_await pair.second->receive();
      CHECK(again.ec == errc::closed_mid_pdu);
      // The other end sees the connection end too.
      Received peer = co_await pair.first->receive();
      CHECK(peer.ec == errc::closed);
    };
    run(io, task());
    CHECK(pair.second->counters().bytes_received == cut);
  }
  SECTION("exactly at a PDU boundary") {
    auto pair = testing::make_loopback_pair(io, {}, cut_after(pdu_size));
    auto task = [&]() -> asio::awaitable<void> {
      co_await test::send_ok(*pair.first, test::nop_out(1, {&iov, 1}));
      co_await test::send_ok(*pair.first, test::nop_out(2, {&iov, 1}));
      Received a = co_await pair.second->receive();
      REQUIRE_FALSE(a.ec);
      Received b = co_await pair.second->receive();
      CHECK(b.ec == errc::closed);
    };
    run(io, task());
  }
}

TEST_CASE("the peer closing is seen as closed, at or inside a PDU", "[loopback]") {
  asio::io_context io;
  auto pair = testing::make_loopback_pair(io);
  auto task = [&]() -> asio::awaitable<void> {
    co_await test::send_ok(*pair.first, test::nop_out(1, {}));
    pair.first.reset();  // destroying a transport closes it
    Received a = co_await pair.second->receive();
    REQUIRE_FALSE(a.ec);
    Received b = co_await pair.second->receive();
    CHECK(b.ec == errc::closed);
  };
  run(io, task());
}

TEST_CASE("a failed write fails every later send too", "[loopback]") {
  asio::io_context io;
  auto pair = testing::make_loopback_pair(io);
  pair.second.reset();  // the peer is gone: writing fails with EPIPE (never SIGPIPE)
  auto task = [&]() -> asio::awaitable<void> {
    const std::error_code first = co_await pair.first->send(test::nop_out(1, {}));
    CHECK(first == std::errc::broken_pipe);
    // Sticky: after a failed write the stream may hold a partial PDU.
    const std::error_code second = co_await pair.first->send(test::nop_out(2, {}));
    CHECK(second == first);
  };
  run(io, task());
  CHECK(pair.first->counters().pdus_sent == 0);
}

TEST_CASE("close() completes pending operations and refuses new ones", "[loopback]") {
  asio::io_context io;
  auto pair = testing::make_loopback_pair(io);
  Transport& t = *pair.first;
  const int fd = t.native_handle();
  REQUIRE(fd >= 0);

  // The peer never reads, so large sends fill the socket buffers and stay pending.
  const auto big = pattern(1 << 20);
  const iovec iov = io_of(std::span<const std::byte>(big));
  std::vector<std::error_code> sends;
  std::error_code receive_ec;
  bool received = false;
  auto sender = [&]() -> asio::awaitable<void> { sends.push_back(co_await t.send(test::nop_out(1, {&iov, 1}))); };
  auto receiver = [&]() -> asio::awaitable<void> {
    receive_ec = (co_await t.receive()).ec;
    received = true;
  };
  for (int i = 0; i < 4; ++i) asio::co_spawn(io, sender(), test::rethrow);
  asio::co_spawn(io, receiver(), test::rethrow);
  io.poll();  // start everything; the first write blocks in the kernel buffers
  CHECK(sends.empty());
  CHECK_FALSE(received);

  t.close();
  CHECK(t.native_handle() == -1);
  CHECK(::fcntl(fd, F_GETFD) == -1);
  io.run();
  REQUIRE(sends.size() == 4);
  for (const auto& ec : sends) CHECK(ec == std::errc::operation_canceled);
  CHECK(received);
  CHECK(receive_ec == std::errc::operation_canceled);

  // After close: refused, not hung.
  auto later = [&]() -> asio::awaitable<void> {
    const std::error_code sent = co_await t.send(test::nop_out(2, {}));
    CHECK(sent == std::errc::not_connected);
    const Received got = co_await t.receive();
    CHECK(got.ec == std::errc::not_connected);
  };
  run(io, later());
  t.close();  // idempotent
}

TEST_CASE("only one receive at a time", "[loopback]") {
  asio::io_context io;
  auto pair = testing::make_loopback_pair(io);
  std::error_code first_ec, second_ec;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { first_ec = (co_await pair.second->receive()).ec; },
                 test::rethrow);
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { second_ec = (co_await pair.second->receive()).ec; },
                 test::rethrow);
  io.poll();
  CHECK(second_ec == errc::receive_in_progress);
  run(io, [&]() -> asio::awaitable<std::error_code> { co_return co_await pair.first->send(test::nop_out(3, {})); }());
  CHECK_FALSE(first_ec);
}

TEST_CASE("loopback transports own real sockets with AF_UNIX endpoints", "[loopback]") {
  asio::io_context io;
  auto pair = testing::make_loopback_pair(io);
  for (Transport* t : {pair.first.get(), pair.second.get()}) {
    REQUIRE(::fcntl(t->native_handle(), F_GETFD) != -1);
    CHECK(t->local_endpoint() == SocketAddress::local_of(t->native_handle()));
    CHECK(t->remote_endpoint() == SocketAddress::peer_of(t->native_handle()));
    CHECK(t->local_endpoint().family() == AF_UNIX);
    CHECK(t->local_endpoint().to_string() == "unix:(unnamed)");
    CHECK(t->path_info().in_use == Path::tcp);
  }
}

}  // namespace uiscsi::offload
