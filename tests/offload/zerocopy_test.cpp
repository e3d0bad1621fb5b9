// MSG_ZEROCOPY on the placement path: the notification bookkeeping alone, the error-queue
// message format, and real sends over a TCP connection on 127.0.0.1 whose awaitables
// complete only when the kernel has released the pages.
#include <time.h>  // struct timespec, which <linux/errqueue.h> uses
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <optional>
#include <thread>
#include <vector>

#include "helpers.h"
#include "offload/connect.h"
#include "offload/detail/zerocopy.h"
#include "offload/listener.h"
#include "offload/loopback.h"

namespace uiscsi::offload {
namespace {

using detail::ZeroCopyTracker;
using test::io_of;
using test::pattern;
using test::placement_pair;
using test::run;
namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

// A message as recvmsg(MSG_ERRQUEUE) returns it, holding one extended error.
struct ErrQueueMessage {
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(sock_extended_err))] = {};
  msghdr msg{};

  ErrQueueMessage(int level, int type, sock_extended_err err) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = level;
    c->cmsg_type = type;
    c->cmsg_len = CMSG_LEN(sizeof err);
    std::memcpy(CMSG_DATA(c), &err, sizeof err);
  }
};

sock_extended_err zerocopy_err(std::uint32_t lo, std::uint32_t hi, bool copied) {
  sock_extended_err err{};
  err.ee_origin = SO_EE_ORIGIN_ZEROCOPY;
  err.ee_info = lo;
  err.ee_data = hi;
  err.ee_code = copied ? SO_EE_CODE_ZEROCOPY_COPIED : 0;
  return err;
}

// Loopback copies every zerocopy send, which would turn MSG_ZEROCOPY off after the first
// one; the tests of the completion tracking keep it on.
TransportOptions keep_zerocopy() {
  TransportOptions options;
  options.zero_copy_stop_on_copy = false;
  return options;
}

}  // namespace

TEST_CASE("the tracker releases sends by notification ranges, in any order", "[zerocopy]") {
  ZeroCopyTracker t;
  CHECK(t.released_before(t.next()));  // nothing sent: nothing held
  for (int i = 0; i < 5; ++i) t.issue();  // numbers 0..4
  const std::uint32_t after_two = 2, after_five = t.next();
  CHECK(after_five == 5);
  CHECK(t.outstanding() == 5);
  CHECK_FALSE(t.released_before(after_two));

  CHECK(t.release(3, 4) == 2);  // out of order: 0..2 still held
  CHECK_FALSE(t.released_before(after_two));
  CHECK(t.outstanding() == 5);
  CHECK(t.release(1, 1) == 1);
  CHECK_FALSE(t.released_before(after_two));
  CHECK(t.release(0, 0) == 1);
  CHECK(t.released_before(after_two));
  CHECK_FALSE(t.released_before(after_five));
  CHECK(t.outstanding() == 3);  // 2 is still held; 3 and 4 wait behind it
  CHECK(t.release(3, 4) == 0);  // again: nothing new
  CHECK(t.release(7, 9) == 0);  // never issued: ignored, not guessed at
  CHECK(t.release(2, 2) == 1);
  CHECK(t.released_before(after_five));
  CHECK(t.outstanding() == 0);
}

TEST_CASE("the tracker is right across the 32-bit wrap of the notification numbers", "[zerocopy]") {
  ZeroCopyTracker t(0xfffffffe);
  for (int i = 0; i < 4; ++i) t.issue();  // 0xfffffffe, 0xffffffff, 0, 1
  const std::uint32_t end = t.next();
  CHECK(end == 2);
  CHECK(t.release(0xffffffff, 0) == 2);  // a range that wraps
  CHECK_FALSE(t.released_before(end));
  CHECK(t.release(0xfffffffe, 1) == 2);  // overlapping: only the two still held count
  CHECK(t.released_before(end));
  CHECK(t.outstanding() == 0);
}

TEST_CASE("zerocopy notices are read from IP_RECVERR and IPV6_RECVERR messages", "[zerocopy]") {
  const ErrQueueMessage v4(SOL_IP, IP_RECVERR, zerocopy_err(3, 9, true));
  auto n = detail::parse_zerocopy_notice(v4.msg);
  REQUIRE(n);
  CHECK(n->lo == 3);
  CHECK(n->hi == 9);
  CHECK(n->copied);

  const ErrQueueMessage v6(SOL_IPV6, IPV6_RECVERR, zerocopy_err(0, 0, false));
  n = detail::parse_zerocopy_notice(v6.msg);
  REQUIRE(n);
  CHECK_FALSE(n->copied);

  sock_extended_err icmp = zerocopy_err(1, 1, false);
  icmp.ee_origin = SO_EE_ORIGIN_ICMP;  // an ICMP error is not a zerocopy notice
  CHECK_FALSE(detail::parse_zerocopy_notice(ErrQueueMessage(SOL_IP, IP_RECVERR, icmp).msg));
  sock_extended_err failed = zerocopy_err(1, 1, false);
  failed.ee_errno = ENOBUFS;
  CHECK_FALSE(detail::parse_zerocopy_notice(ErrQueueMessage(SOL_IP, IP_RECVERR, failed).msg));
  CHECK_FALSE(detail::parse_zerocopy_notice(ErrQueueMessage(SOL_SOCKET, SCM_RIGHTS, zerocopy_err(1, 1, false)).msg));
  msghdr empty{};
  CHECK_FALSE(detail::parse_zerocopy_notice(empty));
}

TEST_CASE("MSG_ZEROCOPY sends over TCP complete once the kernel is done, and the data is right",
          "[zerocopy][tcp]") {
  asio::io_context io;
  auto pair = placement_pair(io, keep_zerocopy());
  INFO(pair.first.error << " / " << pair.second.error);
  REQUIRE(pair.first.transport);
  REQUIRE(pair.second.transport);
  Transport& target = *pair.second.transport;  // sends Data-In
  Transport& initiator = *pair.first.transport;
  REQUIRE(target.capabilities().zero_copy_send);  // Linux >= 4.14 TCP takes SO_ZEROCOPY
  const bool digests = GENERATE(false, true);
  const iscsi::PduLimits limits{.max_recv_data_segment_length = 1 << 20, .header_digest = digests, .data_digest = digests};
  target.configure(limits);
  initiator.configure(limits);

  constexpr std::size_t kPdu = 1 << 20, kPdus = 8;
  const auto data = pattern(kPdu * kPdus, 12);
  std::vector<std::byte> received(data.size());
  const iovec dest = io_of(std::span(received));
  initiator.expect(21, 0, {&dest, 1});

  // Each PDU is sent from its own copy of the data, which is scribbled over as soon as its
  // send completes: if a send completed while the kernel still read the pages, the initiator
  // would see the scribbles (or a data digest error).
  std::vector<std::vector<std::byte>> copies(kPdus);
  std::size_t completed = 0;
  auto sender = [&]() -> asio::awaitable<void> {
    for (std::size_t i = 0; i < kPdus; ++i) {
      copies[i].assign(data.begin() + std::ptrdiff_t(i * kPdu), data.begin() + std::ptrdiff_t((i + 1) * kPdu));
      const iovec v = io_of(std::span<const std::byte>(copies[i]));
      co_await test::send_ok(target, test::data_in(21, std::uint32_t(i * kPdu), {&v, 1}));
      std::fill(copies[i].begin(), copies[i].end(), std::byte{0xee});
      ++completed;
    }
  };
  auto receiver = [&]() -> asio::awaitable<void> {
    for (std::size_t i = 0; i < kPdus; ++i) {
      Received r = co_await initiator.receive();
      REQUIRE_FALSE(r.ec);
      CHECK(r.pdu.data_placed);
    }
  };
  run(io, [&]() -> asio::awaitable<void> { co_await (sender() && receiver()); }());
  CHECK(completed == kPdus);
  CHECK(test::first_difference(received, data) == -1);

  const Counters sent = target.counters();
  CHECK(sent.pdus_sent == kPdus);
  CHECK(sent.zerocopy_sends > 0);
  CHECK(sent.bytes_zerocopy > 0);
  CHECK(sent.bytes_zerocopy <= sent.bytes_sent);
  // Loopback delivers to a local socket, which the kernel can only do by copying: every
  // completion says so (SO_EE_CODE_ZEROCOPY_COPIED), but each one was still awaited.
  CHECK(sent.zerocopy_copied == sent.zerocopy_sends);
  CHECK(target.path_info().mode == kZeroCopyMode);  // kept on, as asked
  const Counters got = initiator.counters();
  CHECK(got.bytes_placed + got.bytes_copied == data.size());
  CHECK(got.bytes_received == sent.bytes_sent);
}

// The kernel's advice (msg_zerocopy.rst): a socket whose zerocopy sends were copied anyway
// should stop asking. Loopback always copies, so the switch is certain here: the first PDU
// goes out with MSG_ZEROCOPY, its completion reports the copy, and every later PDU leaves by
// plain sendmsg from the same buffers, the connection saying why.
TEST_CASE("a socket whose zerocopy sends the kernel copied stops using MSG_ZEROCOPY", "[zerocopy][tcp]") {
  asio::io_context io;
  auto pair = placement_pair(io, {});
  REQUIRE(pair.first.transport);
  REQUIRE(pair.second.transport);
  Transport& target = *pair.second.transport;  // sends Data-In
  Transport& initiator = *pair.first.transport;
  REQUIRE(target.capabilities().zero_copy_send);
  CHECK(target.path_info().mode == kZeroCopyMode);
  const bool digests = GENERATE(false, true);
  const iscsi::PduLimits limits{.max_recv_data_segment_length = 1 << 18, .header_digest = digests, .data_digest = digests};
  target.configure(limits);
  initiator.configure(limits);

  constexpr std::size_t kPdu = 256 * 1024, kPdus = 6;
  const auto data = pattern(kPdu * kPdus, 31);
  std::vector<std::byte> received(data.size());
  const iovec dest = io_of(std::span(received));
  initiator.expect(9, 0, {&dest, 1});
  // One PDU at a time: each send completes only after its zerocopy notification was read.
  auto sender = [&]() -> asio::awaitable<void> {
    for (std::size_t i = 0; i < kPdus; ++i) {
      const iovec v = io_of(std::span<const std::byte>(data).subspan(i * kPdu, kPdu));
      co_await test::send_ok(target, test::data_in(9, std::uint32_t(i * kPdu), {&v, 1}));
    }
  };
  auto receiver = [&]() -> asio::awaitable<void> {
    for (std::size_t i = 0; i < kPdus; ++i) {
      Received r = co_await initiator.receive();
      REQUIRE_FALSE(r.ec);
      CHECK(r.pdu.data_placed);
    }
  };
  run(io, [&]() -> asio::awaitable<void> { co_await (sender() && receiver()); }());
  CHECK(test::first_difference(received, data) == -1);

  const Counters sent = target.counters();
  INFO("zerocopy sends " << sent.zerocopy_sends << " (" << sent.bytes_zerocopy << " bytes), copied "
                         << sent.zerocopy_copied << ", bytes sent " << sent.bytes_sent);
  CHECK(sent.pdus_sent == kPdus);
  CHECK(sent.zerocopy_sends >= 1);
  CHECK(sent.zerocopy_copied == sent.zerocopy_sends);
  // Only the first PDU went out with MSG_ZEROCOPY (in one or more calls).
  const std::size_t first_pdu = iscsi::kBhsLength + kPdu + (digests ? 2 * iscsi::kDigestLength : 0);
  CHECK(sent.bytes_zerocopy > 0);
  CHECK(sent.bytes_zerocopy <= first_pdu);
  CHECK(sent.bytes_sent == kPdus * first_pdu);
  CHECK_FALSE(target.capabilities().zero_copy_send);
  CHECK(target.path_info().mode == kNoZeroCopyCopied);
  CHECK(target.path_info().in_use == Path::placement);
  CHECK(target.path_info().fallback_reason.empty());
  const Counters got = initiator.counters();
  CHECK(got.bytes_received == sent.bytes_sent);
  CHECK(got.bytes_placed + got.bytes_copied == data.size());

  // Back to tcp: the placement send mode no longer applies.
  REQUIRE_FALSE(target.switch_to_tcp("test"));
  CHECK(target.path_info().mode.empty());
}

TEST_CASE("small sends and a refused SO_ZEROCOPY go out by copy", "[zerocopy]") {
  asio::io_context io;
  SECTION("below the threshold on TCP: no MSG_ZEROCOPY") {
    const Registry registry = Registry::with_builtin_paths();
    ListenResult l = Listener::open(io, SocketAddress::ip("127.0.0.1", 0).value(), Policy::placement, registry);
    REQUIRE(l.listener);
    auto pair = run(io, [&]() -> asio::awaitable<std::pair<Selection, Selection>> {
      auto [a, b] = co_await (connect(io, l.listener->local_endpoint(), Policy::placement, registry) &&
                              l.listener->accept());
      co_return std::pair{std::move(a), std::move(b)};
    }());
    REQUIRE(pair.first.transport);
    REQUIRE(pair.second.transport);
    const auto data = pattern(65535, 1);  // one byte below the default threshold
    const iovec v = io_of(std::span<const std::byte>(data));
    pair.first.transport->configure({.max_recv_data_segment_length = 65536, .header_digest = false, .data_digest = false});
    pair.second.transport->configure({.max_recv_data_segment_length = 65536, .header_digest = false, .data_digest = false});
    Received r = run(io, [&]() -> asio::awaitable<Received> {
      co_await test::send_ok(*pair.first.transport, test::nop_out(1, {&v, 1}));
      co_return co_await pair.second.transport->receive();
    }());
    REQUIRE_FALSE(r.ec);
    CHECK(std::equal(r.pdu.data.begin(), r.pdu.data.end(), data.begin(), data.end()));
    CHECK(pair.first.transport->counters().zerocopy_sends == 0);
  }
  SECTION("AF_UNIX refuses SO_ZEROCOPY: large sends copy, silently") {
    auto pair = testing::make_loopback_pair(io, {}, {}, {}, Path::placement);
    const iscsi::PduLimits big{.max_recv_data_segment_length = 1 << 20, .header_digest = false, .data_digest = true};
    pair.first->configure(big);
    pair.second->configure(big);
    const auto data = pattern(1 << 20, 2);
    const iovec v = io_of(std::span<const std::byte>(data));
    Received r = run(io, [&]() -> asio::awaitable<Received> {
      auto send = [&]() -> asio::awaitable<void> { co_await test::send_ok(*pair.first, test::nop_out(1, {&v, 1})); };
      auto receive = [&]() -> asio::awaitable<Received> { co_return co_await pair.second->receive(); };
      co_return co_await (send() && receive());
    }());
    REQUIRE_FALSE(r.ec);
    CHECK(std::equal(r.pdu.data.begin(), r.pdu.data.end(), data.begin(), data.end()));
    CHECK(pair.first->counters().zerocopy_sends == 0);
    CHECK(pair.first->path_info().mode == kNoZeroCopyRefused);
  }
}

TEST_CASE("close() with zerocopy sends in the kernel's hands cancels them cleanly", "[zerocopy][tcp]") {
  asio::io_context io;
  auto pair = placement_pair(io, keep_zerocopy());
  REQUIRE(pair.first.transport);
  REQUIRE(pair.second.transport);
  Transport& sender = *pair.first.transport;
  // The peer never reads: the first sends fill the socket buffers, the rest stay queued.
  const auto data = pattern(4 << 20, 3);
  const iovec v = io_of(std::span<const std::byte>(data));
  std::vector<std::error_code> results;
  int started = 0;
  for (int i = 0; i < 4; ++i) {
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      ++started;
      results.push_back(co_await sender.send(test::nop_out(1, {&v, 1})));
    }, test::rethrow);
  }
  io.restart();  // run() above left it stopped
  // Every send is queued (the first zerocopy call may happen as soon as the first is).
  for (int i = 0; i < 50 && (started < 4 || sender.counters().zerocopy_sends == 0); ++i) {
    io.run_one_for(std::chrono::milliseconds(10));
  }
  REQUIRE(started == 4);
  CHECK(sender.counters().zerocopy_sends > 0);
  CHECK(results.empty());
  sender.close();
  io.restart();
  io.run();
  REQUIRE(results.size() == 4);
  // A PDU the kernel had taken whole before close() counts as sent; the others as cancelled.
  for (const auto& ec : results) CHECK((!ec || ec == std::errc::operation_canceled));
  CHECK(results.back() == std::errc::operation_canceled);
}

// Regression (seen as `uiscsi-bench io --path placement --rw write --bs 256k --qd 16`
// stalling): many senders at once keep zerocopy batches held while later ones are written,
// and the peer answers each PDU (as a target answers with R2Ts and responses), so the
// sender's socket keeps turning readable. Over loopback the kernel can queue a send's
// notification before the send call returns; it must not be read (and dropped as unknown)
// before the send is counted, or every later send waits for it forever. Every send must
// complete; a stall fails by timeout (generous, not a timing assertion: the run normally
// takes about a second).
TEST_CASE("concurrent zerocopy senders all complete: no notification is lost", "[zerocopy][tcp]") {
  // The two ends run on their own threads, like the initiator and target processes of the
  // benchmark, so the peer's acknowledgements (and with them the notifications) arrive at
  // any moment of the sender's event loop.
  asio::io_context io, peer_io;
  const Registry registry = Registry::with_builtin_paths();
  ListenResult l = Listener::open(peer_io, SocketAddress::ip("127.0.0.1", 0).value(), Policy::placement, registry,
                                  keep_zerocopy());
  REQUIRE(l.listener);
  std::optional<Selection> accepted;
  asio::co_spawn(peer_io, [&]() -> asio::awaitable<void> { accepted = co_await l.listener->accept(); }, test::rethrow);
  std::thread accepting([&] { peer_io.run(); });
  Selection connected =
      run(io, connect(io, l.listener->local_endpoint(), Policy::placement, registry, keep_zerocopy()));
  accepting.join();
  REQUIRE(connected.transport);
  REQUIRE(accepted);
  REQUIRE(accepted->transport);
  Transport& initiator = *connected.transport;  // sends large PDUs
  Transport& target = *accepted->transport;     // answers each with a small one
  REQUIRE(initiator.capabilities().zero_copy_send);
  const iscsi::PduLimits limits{.max_recv_data_segment_length = 1 << 18, .header_digest = true, .data_digest = true};
  initiator.configure(limits);
  target.configure(limits);

  constexpr std::size_t kSenders = 16, kPdusEach = 64, kTotal = kSenders * kPdusEach;
  const auto data = pattern(192 * 1024, 5);  // above the zerocopy threshold
  const iovec v = io_of(std::span<const std::byte>(data));
  std::size_t sent = 0, answers = 0;  // io's thread
  std::size_t received = 0;            // peer_io's thread
  bool timed_out = false;
  // Each end stops when its work is done, or closes itself after the deadline (a stall).
  asio::steady_timer watchdog(io, std::chrono::seconds(60)), peer_watchdog(peer_io, std::chrono::seconds(60));
  watchdog.async_wait([&](const boost::system::error_code& ec) {
    if (ec) return;
    timed_out = true;
    initiator.close();
  });
  peer_watchdog.async_wait([&](const boost::system::error_code& ec) {
    if (!ec) target.close();
  });
  const auto done = [&] {
    if (sent == kTotal && answers == kTotal) watchdog.cancel();
  };
  auto one_sender = [&](std::uint32_t id) -> asio::awaitable<void> {
    for (std::size_t i = 0; i < kPdusEach; ++i) {
      const std::error_code ec = co_await initiator.send(test::nop_out(id, {&v, 1}));
      if (ec) co_return;  // the watchdog closed the transport
      ++sent;
    }
    done();
  };
  auto answer_all = [&]() -> asio::awaitable<void> {
    while (received < kTotal) {
      Received r = co_await target.receive();
      if (r.ec) co_return;
      REQUIRE(r.pdu.data.size() == data.size());
      ++received;
      const std::error_code ec = co_await target.send(test::nop_out(r.pdu.bhs.initiator_task_tag(), {}));
      if (ec) co_return;
    }
    peer_watchdog.cancel();
  };
  auto read_answers = [&]() -> asio::awaitable<void> {
    while (answers < kTotal) {
      Received r = co_await initiator.receive();
      if (r.ec) co_return;
      ++answers;
    }
    done();
  };
  for (std::uint32_t id = 0; id < kSenders; ++id) asio::co_spawn(io, one_sender(id), test::rethrow);
  asio::co_spawn(peer_io, answer_all(), test::rethrow);
  asio::co_spawn(io, read_answers(), test::rethrow);
  peer_io.restart();
  std::thread peer([&] { peer_io.run(); });
  io.restart();
  io.run();
  peer.join();
  CHECK_FALSE(timed_out);
  CHECK(sent == kTotal);
  CHECK(received == kTotal);
  CHECK(answers == kTotal);
  CHECK(initiator.counters().zerocopy_sends > 0);
}

}  // namespace uiscsi::offload
