// expect()/forget(): Data-In and Data-Out data segments land in the registered buffers, and
// everything the table does not cover falls back to an owned buffer.
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <vector>

#include "helpers.h"
#include "offload/loopback.h"

namespace uiscsi::offload {
namespace {

using test::io_of;
using test::pattern;
using test::run;
namespace asio = boost::asio;

constexpr std::byte kUntouched{0xaa};

// Sends `pdus` on `from`, then receives as many on `to`.
asio::awaitable<std::vector<Received>> exchange(Transport& from, Transport& to,
                                                std::vector<iscsi::OutgoingPdu> pdus) {
  for (const auto& pdu : pdus) co_await test::send_ok(from, pdu);
  std::vector<Received> out;
  for (std::size_t i = 0; i < pdus.size(); ++i) out.push_back(co_await to.receive());
  co_return out;
}

testing::Faults split_every_byte(bool on) {
  testing::Faults f;
  f.byte_at_a_time = on;
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

}  // namespace

TEST_CASE("Data-In lands in the registered buffer, in any split", "[placement]") {
  const bool byte_at_a_time = GENERATE(false, true);
  const bool data_digest = GENERATE(false, true);
  CAPTURE(byte_at_a_time, data_digest);
  asio::io_context io;
  auto pair = testing::make_loopback_pair(io, {}, split_every_byte(byte_at_a_time));
  const iscsi::PduLimits limits{.max_recv_data_segment_length = 8192, .header_digest = true, .data_digest = data_digest};
  pair.first->configure(limits);
  pair.second->configure(limits);

  // The task's buffer is scattered over three pieces of odd sizes; the Data-In PDUs cut
  // across them. The registration starts at BufferOffset 1000.
  std::vector<std::byte> a(1001, kUntouched), b(3, kUntouched), c(5000, kUntouched);
  const iovec buffers[] = {io_of(std::span(a)), io_of(std::span(b)), io_of(std::span(c))};
  pair.second->expect(42, 1000, buffers);

  const auto payload = pattern(6004, 5);  // the task's data from offset 1000 on
  const std::size_t cuts[] = {0, 999, 1001, 1004, 4000, 6004};
  std::vector<iovec> pieces;
  std::vector<iscsi::OutgoingPdu> pdus;
  pieces.reserve(5);
  for (int i = 0; i < 5; ++i) {
    pieces.push_back(io_of(std::span<const std::byte>(payload).subspan(cuts[i], cuts[i + 1] - cuts[i])));
    pdus.push_back(test::data_in(42, std::uint32_t(1000 + cuts[i]), {&pieces.back(), 1}));
  }
  auto got = run(io, exchange(*pair.first, *pair.second, pdus));

  for (std::size_t i = 0; i < got.size(); ++i) {
    REQUIRE_FALSE(got[i].ec);
    CHECK(got[i].pdu.data_placed);
    CHECK(got[i].pdu.data.empty());
    CHECK(got[i].pdu.bhs.data_segment_length() == cuts[i + 1] - cuts[i]);
  }
  std::vector<std::byte> assembled(a);
  assembled.insert(assembled.end(), b.begin(), b.end());
  assembled.insert(assembled.end(), c.begin(), c.end());
  CHECK(assembled == payload);
  const Counters n = pair.second->counters();
  CHECK(n.bytes_copied == payload.size());  // the tcp path copies out of its receive buffer
  CHECK(n.bytes_placed == 0);
  CHECK(n.bytes_owned == 0);
  CHECK(n.placement_misses == 0);
}

TEST_CASE("Data-Out lands in the registered buffer at the target", "[placement]") {
  asio::io_context io;
  auto pair = testing::make_loopback_pair(io);
  std::vector<std::byte> buffer(512, kUntouched);
  const iovec dest = io_of(std::span(buffer));
  pair.second->expect(7, 0, {&dest, 1});
  const auto payload = pattern(256, 9);
  const iovec src = io_of(std::span<const std::byte>(payload));
  auto got = run(io, exchange(*pair.first, *pair.second, {test::data_out(7, 256, {&src, 1})}));
  REQUIRE_FALSE(got[0].ec);
  CHECK(got[0].pdu.data_placed);
  CHECK(all_untouched(std::span(buffer).first(256)));
  CHECK(std::equal(buffer.begin() + 256, buffer.end(), payload.begin(), payload.end()));
}

TEST_CASE("what the table does not cover is delivered in an owned buffer", "[placement]") {
  asio::io_context io;
  auto pair = testing::make_loopback_pair(io);
  std::vector<std::byte> buffer(1000, kUntouched);
  const iovec dest = io_of(std::span(buffer));
  pair.second->expect(5, 100, {&dest, 1});  // covers BufferOffset [100, 1100)
  const auto payload = pattern(200, 3);
  const iovec src = io_of(std::span<const std::byte>(payload));

  iscsi::OutgoingPdu pdu = test::data_in(5, 0, {&src, 1});  // default: overridden per section
  std::uint64_t misses = 1;
  SECTION("another tag") { pdu = test::data_in(6, 100, {&src, 1}); }
  SECTION("starts before the registered range") { pdu = test::data_in(5, 99, {&src, 1}); }
  SECTION("ends after the registered range") { pdu = test::data_in(5, 901, {&src, 1}); }
  SECTION("not a data PDU, though its ITT is registered") {
    pdu = test::nop_out(5, {&src, 1});
    misses = 0;  // only Data-In / Data-Out are candidates
  }
  SECTION("forgotten") {
    pair.second->forget(5);
    pdu = test::data_in(5, 100, {&src, 1});
  }

  auto got = run(io, exchange(*pair.first, *pair.second, {pdu}));
  REQUIRE_FALSE(got[0].ec);
  CHECK_FALSE(got[0].pdu.data_placed);
  CHECK(std::equal(got[0].pdu.data.begin(), got[0].pdu.data.end(), payload.begin(), payload.end()));
  CHECK(all_untouched(buffer));
  const Counters n = pair.second->counters();
  CHECK(n.bytes_owned == payload.size());
  CHECK(n.bytes_copied == 0);
  CHECK(n.placement_misses == misses);
}

TEST_CASE("an evicted expectation falls back to an owned buffer", "[placement]") {
  asio::io_context io;
  auto pair = testing::make_loopback_pair(io, {}, {}, capacity(2));
  std::vector<std::byte> b1(64, kUntouched), b2(64, kUntouched), b3(64, kUntouched);
  const iovec d1 = io_of(std::span(b1)), d2 = io_of(std::span(b2)), d3 = io_of(std::span(b3));
  pair.second->expect(1, 0, {&d1, 1});
  pair.second->expect(2, 0, {&d2, 1});
  pair.second->expect(3, 0, {&d3, 1});  // evicts 1, the oldest
  CHECK(pair.second->counters().expectation_evictions == 1);

  const auto payload = pattern(64, 1);
  const iovec src = io_of(std::span<const std::byte>(payload));
  auto got = run(io, exchange(*pair.first, *pair.second,
                              {test::data_in(1, 0, {&src, 1}), test::data_in(2, 0, {&src, 1}),
                               test::data_in(3, 0, {&src, 1})}));
  CHECK_FALSE(got[0].pdu.data_placed);
  CHECK(got[1].pdu.data_placed);
  CHECK(got[2].pdu.data_placed);
  CHECK(all_untouched(b1));
  CHECK(b2 == payload);
  CHECK(b3 == payload);
  const Counters n = pair.second->counters();
  CHECK(n.bytes_owned == 64);
  CHECK(n.bytes_copied == 128);
  CHECK(n.placement_misses == 1);
}

TEST_CASE("forget() while a Data-In is half received stops writes at once", "[placement]") {
  asio::io_context io;
  auto pair = testing::make_loopback_pair(io);
  std::vector<std::byte> buffer(4096, kUntouched);
  const iovec dest = io_of(std::span(buffer));
  pair.second->expect(9, 0, {&dest, 1});

  // Serialise a Data-In by hand and write it to the first socket in two pieces, so the
  // second transport sees the PDU stop in the middle of its data segment.
  const auto payload = pattern(4096, 2);
  const iovec src = io_of(std::span<const std::byte>(payload));
  const std::vector<std::byte> wire = test::wire_of(test::data_in(9, 0, {&src, 1}));
  const std::size_t first_part = 48 + 1000;
  REQUIRE(::write(pair.first->native_handle(), wire.data(), first_part) == ssize_t(first_part));

  std::optional<Received> got;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { got = co_await pair.second->receive(); }, test::rethrow);
  while (pair.second->counters().bytes_received < first_part) io.run_one();
  REQUIRE_FALSE(got);
  CHECK(std::equal(buffer.begin(), buffer.begin() + 1000, payload.begin()));

  pair.second->forget(9);  // the caller may free `buffer` from here on
  REQUIRE(::write(pair.first->native_handle(), wire.data() + first_part, wire.size() - first_part) ==
          ssize_t(wire.size() - first_part));
  while (!got) io.run_one();

  REQUIRE_FALSE(got->ec);
  CHECK(got->pdu.bhs.initiator_task_tag() == 9);
  CHECK(got->pdu.data_placed);
  CHECK(all_untouched(std::span(buffer).subspan(1000)));
  CHECK(pair.second->counters().bytes_copied == 0);  // discarded data is not counted as delivered
}

}  // namespace uiscsi::offload
