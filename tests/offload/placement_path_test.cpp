// The placement path over the loopback pair: data segments read straight into the
// expect()ed buffers (bytes_placed, not bytes_copied), at every split, with digest errors,
// a tiny flow table, forget() and cancellation mid-segment, and switch_to_tcp() mid-stream.
#include <unistd.h>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <vector>

#include "helpers.h"
#include "iscsi/pdu_error.h"
#include "offload/connect.h"
#include "offload/error.h"
#include "offload/listener.h"
#include "offload/loopback.h"

namespace uiscsi::offload {
namespace {

using test::io_of;
using test::pattern;
using test::run;
namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

constexpr std::byte kUntouched{0xaa};

iscsi::PduLimits limits(bool header_digest, bool data_digest, std::uint32_t max = 262144) {
  return {.max_recv_data_segment_length = max, .header_digest = header_digest, .data_digest = data_digest};
}

testing::Faults split_every_byte() {
  testing::Faults f;
  f.byte_at_a_time = true;
  return f;
}

testing::Faults corrupt_at(std::uint64_t offset) {
  testing::Faults f;
  f.corrupt_offset = offset;
  return f;
}

TransportOptions capacity(std::size_t n) {
  TransportOptions o;
  o.expectation_capacity = n;
  return o;
}

bool all_untouched(std::span<const std::byte> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::byte b) { return b == kUntouched; });
}

// Sends `data` as Data-In PDUs of `pdu_size` bytes for task `itt` (BufferOffset from 0).
asio::awaitable<void> send_data_in(Transport& t, std::uint32_t itt, const std::vector<std::byte>& data,
                                   std::size_t pdu_size) {
  for (std::size_t off = 0; off < data.size(); off += pdu_size) {
    const iovec v = io_of(std::span<const std::byte>(data).subspan(off, std::min(pdu_size, data.size() - off)));
    co_await test::send_ok(t, test::data_in(itt, std::uint32_t(off), {&v, 1}));
  }
}

// Receives `count` PDUs, each of which must succeed and be placed.
asio::awaitable<void> receive_placed(Transport& t, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    Received r = co_await t.receive();
    REQUIRE_FALSE(r.ec);
    CHECK(r.pdu.data_placed);
    CHECK(r.pdu.data.empty());
  }
}

// One read task of `task` bytes in PDUs of `pdu_size`, sender and receiver concurrent.
Counters read_task(Path path, std::size_t task, std::size_t pdu_size, bool digests) {
  asio::io_context io;
  auto pair = testing::make_loopback_pair(io, {}, {}, {}, path);
  pair.first->configure(limits(digests, digests));
  pair.second->configure(limits(digests, digests));
  const auto data = pattern(task, 3);
  std::vector<std::byte> buffer(task, kUntouched);
  const iovec dest = io_of(std::span(buffer));
  pair.second->expect(7, 0, {&dest, 1});
  const std::size_t pdus = (task + pdu_size - 1) / pdu_size;
  run(io, [&]() -> asio::awaitable<void> {
    co_await (send_data_in(*pair.first, 7, data, pdu_size) && receive_placed(*pair.second, pdus));
  }());
  CHECK(test::first_difference(buffer, data) == -1);
  const Counters n = pair.second->counters();
  CHECK(n.bytes_placed + n.bytes_copied == task);
  CHECK(n.bytes_owned == 0);
  CHECK(n.placement_hits == pdus);
  CHECK(n.placement_misses == 0);
  return n;
}

}  // namespace

TEST_CASE("large Data-In with an expectation is placed straight into the buffer, not copied",
          "[placement][direct]") {
  const std::size_t pdu_size = GENERATE(std::size_t{8192}, std::size_t{65536}, std::size_t{262144});
  const bool digests = GENERATE(false, true);
  CAPTURE(pdu_size, digests);
  constexpr std::size_t kTask = 4 << 20;

  const Counters placement = read_task(Path::placement, kTask, pdu_size, digests);
  const double copied_per_byte = double(placement.bytes_copied) / double(kTask);
  CAPTURE(placement.bytes_placed, placement.bytes_copied);
  CHECK(copied_per_byte <= 0.05);

  // The same transfer on the tcp path copies everything out of its receive buffer.
  const Counters tcp = read_task(Path::tcp, kTask, pdu_size, digests);
  CHECK(tcp.bytes_copied == kTask);
  CHECK(tcp.bytes_placed == 0);
}

TEST_CASE("placement over a real TCP connection: a write and a read, each placed", "[placement][tcp]") {
  const bool digests = GENERATE(false, true);
  CAPTURE(digests);
  asio::io_context io;
  const Registry registry = Registry::with_builtin_paths();
  ListenResult l = Listener::open(io, SocketAddress::ip("127.0.0.1", 0).value(), Policy::placement, registry);
  REQUIRE(l.listener);
  auto [ini_sel, tgt_sel] = run(io, [&]() -> asio::awaitable<std::pair<Selection, Selection>> {
    auto [a, b] = co_await (connect(io, l.listener->local_endpoint(), Policy::placement, registry) &&
                            l.listener->accept());
    co_return std::pair{std::move(a), std::move(b)};
  }());
  REQUIRE(ini_sel.transport);
  REQUIRE(tgt_sel.transport);
  Transport& ini = *ini_sel.transport;
  Transport& tgt = *tgt_sel.transport;
  for (Transport* t : {&ini, &tgt}) {
    CHECK(t->path_info().in_use == Path::placement);
    CHECK(t->capabilities().direct_placement);
    t->configure(limits(digests, digests));
  }

  // A write (Data-Out placed at the target), then a read (Data-In placed at the initiator).
  constexpr std::size_t kTask = 8 << 20, kPdu = 262144;
  const auto write_data = pattern(kTask, 1), read_data = pattern(kTask, 2);
  std::vector<std::byte> target_buffer(kTask), initiator_buffer(kTask);
  const iovec tb = io_of(std::span(target_buffer)), ib = io_of(std::span(initiator_buffer));
  tgt.expect(100, 0, {&tb, 1});
  ini.expect(200, 0, {&ib, 1});
  auto send_out = [&]() -> asio::awaitable<void> {
    for (std::size_t off = 0; off < kTask; off += kPdu) {
      const iovec v = io_of(std::span<const std::byte>(write_data).subspan(off, kPdu));
      co_await test::send_ok(ini, test::data_out(100, std::uint32_t(off), {&v, 1}));
    }
  };
  run(io, [&]() -> asio::awaitable<void> {
    co_await (send_out() && receive_placed(tgt, kTask / kPdu));
    co_await (send_data_in(tgt, 200, read_data, kPdu) && receive_placed(ini, kTask / kPdu));
  }());
  CHECK(test::first_difference(target_buffer, write_data) == -1);
  CHECK(test::first_difference(initiator_buffer, read_data) == -1);
  for (Transport* t : {&ini, &tgt}) {
    const Counters n = t->counters();
    CAPTURE(n.bytes_placed, n.bytes_copied);
    CHECK(n.bytes_placed + n.bytes_copied == kTask);
    CHECK(double(n.bytes_copied) / double(kTask) <= 0.05);
    CHECK(n.placement_hits == kTask / kPdu);
  }
}

TEST_CASE("the placement path reports what it can do", "[placement]") {
  asio::io_context io;
  auto pair = testing::make_loopback_pair(io, {}, {}, {}, Path::placement);
  const Capabilities caps = pair.first->capabilities();
  CHECK(caps.direct_placement);
  CHECK(caps.switch_to_tcp);
  CHECK_FALSE(caps.rdma);
  CHECK_FALSE(caps.digest_offload);
  // AF_UNIX refuses SO_ZEROCOPY: sends copy, silently (zerocopy_test.cpp covers TCP).
  CHECK_FALSE(caps.zero_copy_send);
  const PathInfo info = pair.first->path_info();
  CHECK(info.requested == Policy::placement);
  CHECK(info.in_use == Path::placement);
  CHECK(info.fallback_reason.empty());
  CHECK_THROWS_AS(testing::make_loopback_pair(io, {}, {}, {}, Path::smc), std::invalid_argument);
}

TEST_CASE("placement at every byte boundary, every digest setting", "[placement][direct]") {
  const bool header_digest = GENERATE(false, true);
  const bool data_digest = GENERATE(false, true);
  const std::size_t threshold = GENERATE(std::size_t{1}, std::size_t{4096});
  CAPTURE(header_digest, data_digest, threshold);
  asio::io_context io;
  // Every read returns one byte: each direct read places one byte, in any iovec.
  TransportOptions options;
  options.direct_read_threshold = threshold;
  auto pair = testing::make_loopback_pair(io, {}, split_every_byte(), options, Path::placement);
  pair.first->configure(limits(header_digest, data_digest));
  pair.second->configure(limits(header_digest, data_digest));

  // A task buffer in three odd pieces, registered from BufferOffset 1000; the PDUs cut
  // across the pieces; a NOP-Out (owned) sits between them.
  std::vector<std::byte> a(5001, kUntouched), b(3, kUntouched), c(9000, kUntouched);
  const iovec buffers[] = {io_of(std::span(a)), io_of(std::span(b)), io_of(std::span(c))};
  pair.second->expect(42, 1000, buffers);
  const auto payload = pattern(a.size() + b.size() + c.size(), 5);
  const std::size_t cuts[] = {0, 4999, 5002, 5004, 9100, payload.size()};
  std::vector<iovec> pieces;
  pieces.reserve(5);
  std::vector<iscsi::OutgoingPdu> pdus;
  const auto ping = pattern(5, 1);
  const iovec ping_iov = io_of(std::span<const std::byte>(ping));
  for (int i = 0; i < 5; ++i) {
    pieces.push_back(io_of(std::span<const std::byte>(payload).subspan(cuts[i], cuts[i + 1] - cuts[i])));
    pdus.push_back(test::data_in(42, std::uint32_t(1000 + cuts[i]), {&pieces.back(), 1}));
    if (i == 2) pdus.push_back(test::nop_out(9, {&ping_iov, 1}));
  }
  run(io, [&]() -> asio::awaitable<void> {
    auto send_all = [&]() -> asio::awaitable<void> {
      for (const auto& pdu : pdus) co_await test::send_ok(*pair.first, pdu);
    };
    auto receive_all = [&]() -> asio::awaitable<void> {
      for (std::size_t i = 0; i < pdus.size(); ++i) {
        Received r = co_await pair.second->receive();
        REQUIRE_FALSE(r.ec);
        if (r.pdu.bhs.opcode() == iscsi::Opcode::nop_out) {
          CHECK(std::equal(r.pdu.data.begin(), r.pdu.data.end(), ping.begin(), ping.end()));
        } else {
          CHECK(r.pdu.data_placed);
        }
      }
    };
    co_await (send_all() && receive_all());
  }());

  std::vector<std::byte> assembled(a);
  assembled.insert(assembled.end(), b.begin(), b.end());
  assembled.insert(assembled.end(), c.begin(), c.end());
  CHECK(test::first_difference(assembled, payload) == -1);
  const Counters n = pair.second->counters();
  CHECK(n.bytes_placed + n.bytes_copied == payload.size());
  // One byte per read, so nothing is ever read ahead: a segment's bytes are placed as long as
  // at least `threshold` of them remain, and copied from there on.
  std::size_t placed = 0;
  for (int i = 0; i < 5; ++i) {
    const std::size_t length = cuts[i + 1] - cuts[i];
    if (length >= threshold) placed += length - threshold + 1;
  }
  CHECK(n.bytes_placed == placed);
  CHECK(n.bytes_owned == ping.size());
  CHECK(n.placement_hits == 5);
  CHECK(n.digest_errors == 0);
}

TEST_CASE("a corrupted byte in a placed data segment is a data digest error", "[placement][faults]") {
  asio::io_context io;
  constexpr std::size_t kData = 65536;
  const auto data = pattern(kData, 4);
  std::vector<std::byte> buffer(kData, kUntouched);
  const iovec dest = io_of(std::span(buffer));

  SECTION("DataDigest catches it; the header is still delivered, and the stream ends") {
    // Two PDUs; the damage is deep inside the second one's data, which is read directly.
    const std::uint64_t second = 48 + 4 + 32768 + 4;
    const std::uint64_t offset = GENERATE_COPY(second + 48 + 4 + 10, second + 48 + 4 + 32767);
    auto pair = testing::make_loopback_pair(io, {}, corrupt_at(offset), {}, Path::placement);
    pair.first->configure(limits(true, true));
    pair.second->configure(limits(true, true));
    pair.second->expect(3, 0, {&dest, 1});
    const iovec halves[] = {io_of(std::span<const std::byte>(data).first(32768)),
                            io_of(std::span<const std::byte>(data).subspan(32768))};
    run(io, [&]() -> asio::awaitable<void> {
      co_await test::send_ok(*pair.first, test::data_in(3, 0, {&halves[0], 1}));
      co_await test::send_ok(*pair.first, test::data_in(3, 32768, {&halves[1], 1}));
      Received first = co_await pair.second->receive();
      REQUIRE_FALSE(first.ec);
      Received r = co_await pair.second->receive();
      CHECK(r.ec == iscsi::pdu_errc::data_digest_mismatch);
      CHECK(r.pdu.bhs.initiator_task_tag() == 3);
      CHECK(r.pdu.data_placed);  // the bad data is in the buffer: the task must not trust it
      Received again = co_await pair.second->receive();
      CHECK(again.ec == iscsi::pdu_errc::data_digest_mismatch);  // ERL 0: framing is gone
    }());
    const Counters n = pair.second->counters();
    CHECK(n.digest_errors == 1);
    CHECK(n.pdus_received == 1);
    CHECK(n.bytes_placed > 0);
  }
  SECTION("HeaderDigest catches a damaged header of a PDU behind placed data") {
    auto pair = testing::make_loopback_pair(io, {}, corrupt_at(48 + 4 + 32768 + 4 + 20), {}, Path::placement);
    pair.first->configure(limits(true, true));
    pair.second->configure(limits(true, true));
    pair.second->expect(3, 0, {&dest, 1});
    const iovec half = io_of(std::span<const std::byte>(data).first(32768));
    run(io, [&]() -> asio::awaitable<void> {
      co_await test::send_ok(*pair.first, test::data_in(3, 0, {&half, 1}));
      co_await test::send_ok(*pair.first, test::data_in(3, 32768, {&half, 1}));
      Received first = co_await pair.second->receive();
      REQUIRE_FALSE(first.ec);
      Received r = co_await pair.second->receive();
      CHECK(r.ec == iscsi::pdu_errc::header_digest_mismatch);
    }());
    CHECK(pair.second->counters().digest_errors == 1);
  }
}

TEST_CASE("a tiny flow table evicts, and every byte still arrives", "[placement][eviction]") {
  asio::io_context io;
  auto pair = testing::make_loopback_pair(io, {}, {}, capacity(2), Path::placement);
  pair.first->configure(limits(false, true));
  pair.second->configure(limits(false, true));
  constexpr std::size_t kTasks = 6, kTask = 3 * 16384;
  std::vector<std::vector<std::byte>> data, buffers;
  std::vector<iovec> dests;
  dests.reserve(kTasks);
  for (std::size_t t = 0; t < kTasks; ++t) {
    data.push_back(pattern(kTask, unsigned(t)));
    buffers.emplace_back(kTask, kUntouched);
    dests.push_back(io_of(std::span(buffers.back())));
  }
  // All six are registered before any data comes: only the last two survive.
  for (std::size_t t = 0; t < kTasks; ++t) pair.second->expect(std::uint32_t(100 + t), 0, {&dests[t], 1});
  CHECK(pair.second->counters().expectation_evictions == kTasks - 2);

  // The data of every task arrives, interleaved PDU by PDU.
  std::vector<std::vector<std::byte>> owned(kTasks, std::vector<std::byte>(kTask));
  run(io, [&]() -> asio::awaitable<void> {
    auto send_all = [&]() -> asio::awaitable<void> {
      for (std::size_t off = 0; off < kTask; off += 16384) {
        for (std::size_t t = 0; t < kTasks; ++t) {
          const iovec v = io_of(std::span<const std::byte>(data[t]).subspan(off, 16384));
          co_await test::send_ok(*pair.first, test::data_in(std::uint32_t(100 + t), std::uint32_t(off), {&v, 1}));
        }
      }
    };
    auto receive_all = [&]() -> asio::awaitable<void> {
      for (std::size_t i = 0; i < kTasks * 3; ++i) {
        Received r = co_await pair.second->receive();
        REQUIRE_FALSE(r.ec);
        const std::size_t t = r.pdu.bhs.initiator_task_tag() - 100;
        REQUIRE(t < kTasks);
        const std::size_t off = iscsi::DataIn::decode(r.pdu.bhs).buffer_offset;
        CHECK(r.pdu.data_placed == (t >= kTasks - 2));
        // The session layer copies what was not placed, as it would after a miss.
        if (!r.pdu.data_placed) std::copy(r.pdu.data.begin(), r.pdu.data.end(), owned[t].begin() + off);
      }
    };
    co_await (send_all() && receive_all());
  }());
  for (std::size_t t = 0; t < kTasks; ++t) {
    CAPTURE(t);
    if (t >= kTasks - 2) {
      CHECK(test::first_difference(buffers[t], data[t]) == -1);
    } else {
      CHECK(all_untouched(buffers[t]));
      CHECK(test::first_difference(owned[t], data[t]) == -1);
    }
  }
  const Counters n = pair.second->counters();
  CHECK(n.placement_hits == 2 * 3);
  CHECK(n.placement_misses == (kTasks - 2) * 3);
  CHECK(n.bytes_owned == (kTasks - 2) * kTask);
  CHECK(n.bytes_placed + n.bytes_copied == 2 * kTask);
  CHECK(n.bytes_placed > 0);
}

TEST_CASE("forget() while a segment is read straight into the buffer stops writes at once",
          "[placement][direct]") {
  asio::io_context io;
  auto pair = testing::make_loopback_pair(io, {}, {}, {}, Path::placement);
  pair.first->configure(limits(false, false));
  pair.second->configure(limits(false, false));
  constexpr std::size_t kData = 65536, kFirst = 48 + 20000;
  std::vector<std::byte> buffer(kData, kUntouched);
  const iovec dest = io_of(std::span(buffer));
  pair.second->expect(9, 0, {&dest, 1});
  const auto payload = pattern(kData, 2);
  const iovec src = io_of(std::span<const std::byte>(payload));
  const std::vector<std::byte> wire = test::wire_of(test::data_in(9, 0, {&src, 1}));
  REQUIRE(::write(pair.first->native_handle(), wire.data(), kFirst) == ssize_t(kFirst));

  std::optional<Received> got;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { got = co_await pair.second->receive(); }, test::rethrow);
  while (!got && pair.second->counters().bytes_received < kFirst) io.run_one();
  INFO((got ? got->ec.message() : "pending"));
  REQUIRE_FALSE(got);
  CHECK(std::equal(buffer.begin(), buffer.begin() + 20000, payload.begin()));

  pair.second->forget(9);  // the receiver waits for the socket: its next read must not land here
  // The rest in one go, from a thread-free writer: the socket buffer holds it all.
  std::size_t written = kFirst;
  while (written < wire.size()) {
    const ssize_t n = ::write(pair.first->native_handle(), wire.data() + written, wire.size() - written);
    REQUIRE(n > 0);
    written += std::size_t(n);
    io.poll();
  }
  while (!got) io.run_one();
  REQUIRE_FALSE(got->ec);
  CHECK(got->pdu.data_placed);
  CHECK(all_untouched(std::span(buffer).subspan(20000)));
  const Counters n = pair.second->counters();
  CHECK(n.bytes_placed == 0);  // a forgotten task's bytes are not counted as delivered
  CHECK(n.bytes_copied == 0);
}

TEST_CASE("a receive cancelled while a segment is placed loses nothing", "[placement][direct]") {
  asio::io_context io;
  auto pair = testing::make_loopback_pair(io, {}, {}, {}, Path::placement);
  pair.first->configure(limits(false, false));
  pair.second->configure(limits(false, false));
  constexpr std::size_t kData = 32768, kFirst = 48 + 10000;
  std::vector<std::byte> buffer(kData, kUntouched);
  const iovec dest = io_of(std::span(buffer));
  pair.second->expect(4, 0, {&dest, 1});
  const auto payload = pattern(kData, 8);
  const iovec src = io_of(std::span<const std::byte>(payload));
  const auto wire = test::wire_of(test::data_in(4, 0, {&src, 1}));
  REQUIRE(::write(pair.first->native_handle(), wire.data(), kFirst) == ssize_t(kFirst));
  auto impatient = [&]() -> asio::awaitable<bool> {
    asio::steady_timer timer(io, std::chrono::milliseconds(20));
    auto winner = co_await (pair.second->receive() || timer.async_wait(asio::use_awaitable));
    co_return winner.index() == 1;
  };
  CHECK(run(io, impatient()));
  REQUIRE(::write(pair.first->native_handle(), wire.data() + kFirst, wire.size() - kFirst) ==
          ssize_t(wire.size() - kFirst));
  Received r = run(io, [&]() -> asio::awaitable<Received> { co_return co_await pair.second->receive(); }());
  REQUIRE_FALSE(r.ec);
  CHECK(r.pdu.data_placed);
  CHECK(test::first_difference(buffer, payload) == -1);
  const Counters n = pair.second->counters();
  CHECK(n.bytes_placed + n.bytes_copied == kData);
  CHECK(n.bytes_placed >= kData - 10000);
}

TEST_CASE("switch_to_tcp() mid-stream loses nothing", "[placement][switch]") {
  asio::io_context io;
  auto pair = testing::make_loopback_pair(io, {}, {}, {}, Path::placement);
  pair.first->configure(limits(false, false));
  pair.second->configure(limits(false, false));
  constexpr std::size_t kPdu = 65536, kPdus = 6;
  const auto data = pattern(kPdu * kPdus, 6);
  std::vector<std::byte> buffer(data.size(), kUntouched);
  const iovec dest = io_of(std::span(buffer));
  pair.second->expect(11, 0, {&dest, 1});

  // The first two PDUs, then half of the third, written by hand so that the switch happens
  // while the third's data segment is being read straight into the buffer.
  std::vector<std::byte> wire;
  for (std::size_t i = 0; i < kPdus; ++i) {
    const iovec v = io_of(std::span<const std::byte>(data).subspan(i * kPdu, kPdu));
    const auto one = test::wire_of(test::data_in(11, std::uint32_t(i * kPdu), {&v, 1}));
    wire.insert(wire.end(), one.begin(), one.end());
  }
  const std::size_t pdu_wire = wire.size() / kPdus;
  const int fd = pair.first->native_handle();
  std::size_t written = 0;
  auto write_up_to = [&](std::size_t end) {
    while (written < end) {
      const ssize_t n = ::write(fd, wire.data() + written, end - written);
      REQUIRE(n > 0);
      written += std::size_t(n);
      io.poll();
    }
  };

  std::vector<Received> got;
  auto receive_one = [&]() -> asio::awaitable<void> { got.push_back(co_await pair.second->receive()); };
  asio::co_spawn(io, receive_one(), test::rethrow);
  write_up_to(pdu_wire);
  while (got.size() < 1) io.run_one();
  io.restart();
  asio::co_spawn(io, receive_one(), test::rethrow);
  write_up_to(2 * pdu_wire);
  while (got.size() < 2) io.run_one();
  io.restart();
  asio::co_spawn(io, receive_one(), test::rethrow);
  write_up_to(2 * pdu_wire + 48 + kPdu / 2);
  while (pair.second->counters().bytes_received < written) io.run_one();
  // The first two were read straight in, but for the few bytes each boundary read took
  // beyond its header (the writer here stops after every PDU).
  const Counters before = pair.second->counters();
  CHECK(before.bytes_placed + before.bytes_copied == 2 * kPdu);
  CHECK(before.bytes_copied <= 2 * 16);

  REQUIRE_FALSE(pair.second->switch_to_tcp("operator request"));
  const PathInfo info = pair.second->path_info();
  CHECK(info.requested == Policy::placement);
  CHECK(info.in_use == Path::tcp);
  CHECK(info.fallback_reason == "switched to tcp: operator request");
  CHECK_FALSE(pair.second->capabilities().direct_placement);
  CHECK_FALSE(pair.second->switch_to_tcp("again"));  // already on tcp: nothing changes
  CHECK(pair.second->path_info().fallback_reason == "switched to tcp: operator request");

  write_up_to(wire.size());
  while (got.size() < 3) io.run_one();
  io.restart();
  run(io, [&]() -> asio::awaitable<void> {
    for (std::size_t i = 3; i < kPdus; ++i) got.push_back(co_await pair.second->receive());
  }());
  REQUIRE(got.size() == kPdus);
  for (const Received& r : got) {
    REQUIRE_FALSE(r.ec);
    CHECK(r.pdu.data_placed);
  }
  CHECK(test::first_difference(buffer, data) == -1);
  const Counters n = pair.second->counters();
  CHECK(n.bytes_placed + n.bytes_copied == data.size());
  // After the switch everything is copied, as on tcp: the rest of the third PDU and all the
  // later ones.
  CHECK(n.bytes_copied >= (kPdus - 3) * kPdu + kPdu / 2);
  CHECK(n.pdus_received == kPdus);
}

}  // namespace uiscsi::offload
