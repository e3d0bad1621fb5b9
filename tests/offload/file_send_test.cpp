// Data segments sent from a file (OutgoingPdu::file) over real TCP connections on 127.0.0.1:
// by sendfile(2) on the placement path, read into memory first on tcp and after
// switch_to_tcp(), mixed with memory PDUs in one queue, and the ways it fails: a range past
// the file's end, a data digest, close() while sendfile waits for room, a peer that is gone.
#include <fcntl.h>
#include <signal.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "helpers.h"
#include "iscsi/pdu_error.h"
#include "offload/error.h"
#include "offload/owned_fd.h"

namespace uiscsi::offload {
namespace {

using test::io_of;
using test::pattern;
using test::run;
namespace asio = boost::asio;

// Placement options that send every file data segment with sendfile, however short, so
// that the small segments here exercise it (TransportOptions::file_send_threshold).
TransportOptions every_file_sent() {
  TransportOptions o;
  o.file_send_threshold = 0;
  return o;
}

// A file holding `bytes`, already unlinked: it lives as long as the descriptor.
OwnedFd temp_file(std::span<const std::byte> bytes) {
  std::string name = (std::filesystem::temp_directory_path() / "uiscsi-file-send-XXXXXX").string();
  OwnedFd fd(::mkstemp(name.data()));
  REQUIRE(fd.get() >= 0);
  ::unlink(name.c_str());
  REQUIRE(::write(fd.get(), bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  return fd;
}

// Small socket buffers, so that a large data segment cannot fit at once: the sender meets
// EAGAIN and waits for room. A fixed SO_RCVBUF also stops the receive window's autotuning.
void shrink_buffers(Transport& sender, Transport& receiver) {
  const int size = 64 * 1024;
  REQUIRE(::setsockopt(sender.native_handle(), SOL_SOCKET, SO_SNDBUF, &size, sizeof size) == 0);
  REQUIRE(::setsockopt(receiver.native_handle(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size) == 0);
}

// One PDU of a test: data from the file (a Data-In) or from memory (a NOP-Out).
struct Item {
  bool from_file;
  std::size_t offset;  // in the file; for memory, the pattern's seed
  std::size_t length;
};

struct Exchange {
  std::size_t file_bytes = 0;
  std::size_t wire_bytes = 0;  // what every PDU takes on the wire
};

// Sends `items` from as many coroutines at once (so they queue and are gathered into
// batches), receives them on `receiver` and checks every data segment against the file's
// bytes or the memory pattern.
Exchange exchange(asio::io_context& io, Transport& sender, Transport& receiver, int fd,
                  std::span<const std::byte> file, const std::vector<Item>& items, bool header_digest) {
  Exchange e;
  std::vector<std::vector<std::byte>> memory(items.size());
  std::vector<iovec> iov(items.size());
  std::vector<iscsi::OutgoingPdu> pdus;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Item& item = items[i];
    const auto itt = static_cast<std::uint32_t>(i + 1);
    if (item.from_file) {
      iscsi::OutgoingPdu pdu = test::data_in(itt, 0, {});
      pdu.file = {.fd = fd, .offset = item.offset, .length = item.length};
      pdus.push_back(pdu);
      e.file_bytes += item.length;
    } else {
      memory[i] = pattern(item.length, static_cast<unsigned>(item.offset));
      iov[i] = io_of(std::span<const std::byte>(memory[i]));
      pdus.push_back(test::nop_out(itt, {&iov[i], item.length == 0 ? 0u : 1u}));
    }
    e.wire_bytes += iscsi::kBhsLength + (header_digest ? iscsi::kDigestLength : 0) + item.length +
                    iscsi::padding_length(item.length);
  }
  std::vector<std::error_code> results(items.size(), make_error_code(errc::not_supported));
  for (std::size_t i = 0; i < items.size(); ++i) {
    asio::co_spawn(io, [&, i]() -> asio::awaitable<void> { results[i] = co_await sender.send(pdus[i]); },
                   test::rethrow);
  }
  std::size_t received = 0;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    for (std::size_t i = 0; i < items.size(); ++i) {
      Received r = co_await receiver.receive();
      REQUIRE_FALSE(r.ec);
      REQUIRE(r.pdu.bhs.initiator_task_tag() == i + 1);
      const Item& item = items[i];
      const std::span<const std::byte> expected =
          item.from_file ? file.subspan(item.offset, item.length) : std::span<const std::byte>(memory[i]);
      INFO("PDU " << i << ": " << (item.from_file ? "file" : "memory") << ", " << item.length << " bytes");
      CHECK(r.pdu.bhs.data_segment_length() == item.length);
      CHECK(test::first_difference(r.pdu.data, expected) == -1);
      ++received;
    }
  }, test::rethrow);
  io.restart();
  io.run();
  CHECK(received == items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    INFO("send " << i << ": " << results[i].message());
    CHECK_FALSE(results[i]);
  }
  return e;
}

// Memory and file PDUs in one queue: a length that needs padding, one far larger than the
// socket buffers, a tiny one at an odd offset, an empty memory PDU, and a memory PDU above
// the zerocopy threshold right before a file PDU (a zerocopy batch stops there).
std::vector<Item> mixed_items() {
  return {{false, 1, 100},         {true, 0, 4093},   {false, 2, 70000}, {true, 4093, 1 << 20},
          {true, 5, 3},            {false, 3, 0},     {true, (1 << 20) + 4093, 8192},
          {false, 4, 5}};
}

iscsi::PduLimits limits(bool header_digest, bool data_digest = false) {
  return {.max_recv_data_segment_length = 1 << 20, .header_digest = header_digest, .data_digest = data_digest};
}

// Sends one PDU and returns its result.
std::error_code send_one(asio::io_context& io, Transport& t, const iscsi::OutgoingPdu& pdu) {
  return run(io, [&]() -> asio::awaitable<std::error_code> { co_return co_await t.send(pdu); }());
}

}  // namespace

TEST_CASE("placement sends file data segments with sendfile, in order with memory PDUs",
          "[offload][file_send][tcp]") {
  asio::io_context io;
  auto pair = test::placement_pair(io, every_file_sent());
  Transport& target = *pair.second.transport;
  Transport& initiator = *pair.first.transport;
  CHECK(target.capabilities().file_send);
  const bool header_digest = GENERATE(false, true);
  target.configure(limits(header_digest));
  initiator.configure(limits(header_digest));
  shrink_buffers(target, initiator);
  const auto file = pattern((2 << 20) + 4093, 7);
  const OwnedFd fd = temp_file(file);

  const Exchange e = exchange(io, target, initiator, fd.get(), file, mixed_items(), header_digest);
  const Counters sent = target.counters();
  CHECK(sent.bytes_sendfile == e.file_bytes);
  CHECK(sent.bytes_file_read == 0);
  CHECK(sent.pdus_sent == mixed_items().size());
  CHECK(sent.bytes_sent == e.wire_bytes);
  CHECK(initiator.counters().bytes_received == e.wire_bytes);
  // The 70000-byte memory PDU went out with MSG_ZEROCOPY, in a batch of its own.
  CHECK(sent.zerocopy_sends > 0);
}

TEST_CASE("placement reads file data segments below file_send_threshold and sends the rest",
          "[offload][file_send][tcp]") {
  asio::io_context io;
  auto pair = test::placement_pair(io, {});  // the default threshold, 64 KiB
  Transport& target = *pair.second.transport;
  Transport& initiator = *pair.first.transport;
  target.configure(limits(false));
  initiator.configure(limits(false));
  const auto file = pattern((2 << 20) + 4093, 9);
  const OwnedFd fd = temp_file(file);
  const std::vector<Item> items = {{true, 0, 4096}, {true, 4096, 64 * 1024}, {true, 100, (64 * 1024) - 4},
                                   {false, 1, 100}, {true, 1 << 20, 1 << 20}};

  exchange(io, target, initiator, fd.get(), file, items, false);
  const Counters sent = target.counters();
  CHECK(sent.bytes_file_read == 4096 + (64 * 1024) - 4);
  CHECK(sent.bytes_sendfile == (64 * 1024) + (1 << 20));
}

TEST_CASE("tcp reads file data segments into memory and sends them the same",
          "[offload][file_send][tcp]") {
  asio::io_context io;
  auto pair = test::connected_pair(io, Policy::tcp, {});
  Transport& target = *pair.second.transport;
  Transport& initiator = *pair.first.transport;
  REQUIRE(target.path_info().in_use == Path::tcp);
  CHECK_FALSE(target.capabilities().file_send);
  target.configure(limits(true));
  initiator.configure(limits(true));
  shrink_buffers(target, initiator);
  const auto file = pattern((2 << 20) + 4093, 8);
  const OwnedFd fd = temp_file(file);

  const Exchange e = exchange(io, target, initiator, fd.get(), file, mixed_items(), true);
  const Counters sent = target.counters();
  CHECK(sent.bytes_file_read == e.file_bytes);
  CHECK(sent.bytes_sendfile == 0);
  CHECK(sent.bytes_sent == e.wire_bytes);
}

TEST_CASE("after switch_to_tcp() file data segments are read, those queued before it too",
          "[offload][file_send][tcp]") {
  asio::io_context io;
  auto pair = test::placement_pair(io, every_file_sent());
  Transport& target = *pair.second.transport;
  Transport& initiator = *pair.first.transport;
  target.configure(limits(false));
  initiator.configure(limits(false));
  shrink_buffers(target, initiator);
  const auto file = pattern(300000, 9);
  const OwnedFd fd = temp_file(file);

  // A large memory PDU the initiator does not read yet fills the socket; the file PDU behind
  // it is still queued when the path changes.
  const auto blocker = pattern(1 << 20, 10);
  const iovec blocker_iov = io_of(std::span<const std::byte>(blocker));
  const iscsi::OutgoingPdu first = test::nop_out(1, {&blocker_iov, 1});
  iscsi::OutgoingPdu queued = test::data_in(2, 0, {});
  queued.file = {.fd = fd.get(), .offset = 1000, .length = 200001};
  std::vector<std::error_code> results;
  const iscsi::OutgoingPdu* const order[] = {&first, &queued};
  for (const iscsi::OutgoingPdu* pdu : order) {
    asio::co_spawn(io, [&, pdu]() -> asio::awaitable<void> { results.push_back(co_await target.send(*pdu)); },
                   test::rethrow);
  }
  io.restart();
  for (int i = 0; i < 20; ++i) io.run_one_for(std::chrono::milliseconds(5));
  REQUIRE(results.empty());  // the initiator reads nothing yet: the first PDU cannot be all out
  REQUIRE_FALSE(target.switch_to_tcp("test"));
  CHECK_FALSE(target.capabilities().file_send);

  std::vector<Received> got;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 2; ++i) got.push_back(co_await initiator.receive());
  }, test::rethrow);
  io.restart();
  io.run();
  REQUIRE(results.size() == 2);
  CHECK_FALSE(results[0]);
  CHECK_FALSE(results[1]);
  REQUIRE(got.size() == 2);
  REQUIRE_FALSE(got[1].ec);
  CHECK(test::first_difference(got[1].pdu.data, std::span(file).subspan(1000, 200001)) == -1);
  CHECK(target.counters().bytes_file_read == 200001);
  CHECK(target.counters().bytes_sendfile == 0);

  // Sent after the switch: read as well.
  iscsi::OutgoingPdu later = test::data_in(3, 0, {});
  later.file = {.fd = fd.get(), .offset = 0, .length = 4093};
  CHECK_FALSE(send_one(io, target, later));
  const Received r = run(io, initiator.receive());
  REQUIRE_FALSE(r.ec);
  CHECK(test::first_difference(r.pdu.data, std::span(file).first(4093)) == -1);
  CHECK(target.counters().bytes_file_read == 200001 + 4093);
  CHECK(target.counters().bytes_sendfile == 0);
}

TEST_CASE("a file range past the end of the file fails the send with file_ended",
          "[offload][file_send][tcp]") {
  asio::io_context io;
  const auto file = pattern(4096, 11);
  const OwnedFd fd = temp_file(file);
  const auto ping = pattern(100, 12);
  const iovec ping_iov = io_of(std::span<const std::byte>(ping));
  iscsi::OutgoingPdu pdu = test::data_in(1, 0, {});
  // Partly inside the file, or wholly past it.
  const std::uint64_t offset = GENERATE(0, 10000);
  pdu.file = {.fd = fd.get(), .offset = offset, .length = 8192};

  SECTION("placement: sendfile finds the end; the stream is cut") {
    auto pair = test::placement_pair(io, every_file_sent());
    Transport& target = *pair.second.transport;
    target.configure(limits(false));
    const std::error_code ec = send_one(io, target, pdu);
    INFO(ec.message());
    CHECK(ec == errc::file_ended);
    CHECK(target.counters().bytes_sendfile == (offset == 0 ? 4096 : 0));
    // The header promised 8192 bytes: nothing sent later could be framed right.
    CHECK(send_one(io, target, test::nop_out(2, {&ping_iov, 1})) == errc::file_ended);
  }
  SECTION("tcp: the read finds the end first; nothing of the PDU is sent") {
    auto pair = test::connected_pair(io, Policy::tcp, {});
    Transport& target = *pair.second.transport;
    Transport& initiator = *pair.first.transport;
    target.configure(limits(false));
    initiator.configure(limits(false));
    const std::error_code ec = send_one(io, target, pdu);
    INFO(ec.message());
    CHECK(ec == errc::file_ended);
    CHECK(target.counters().bytes_sent == 0);
    CHECK_FALSE(send_one(io, target, test::nop_out(2, {&ping_iov, 1})));
    const Received r = run(io, initiator.receive());
    REQUIRE_FALSE(r.ec);
    CHECK(r.pdu.bhs.initiator_task_tag() == 2);
    CHECK(test::first_difference(r.pdu.data, ping) == -1);
  }
}

TEST_CASE("a file data segment with DataDigest on is refused, and the stream goes on",
          "[offload][file_send][tcp]") {
  asio::io_context io;
  const Policy policy = GENERATE(Policy::placement, Policy::tcp);
  auto pair = test::connected_pair(io, policy, {});
  Transport& target = *pair.second.transport;
  Transport& initiator = *pair.first.transport;
  target.configure(limits(true, true));
  initiator.configure(limits(true, true));
  const auto file = pattern(4096, 13);
  const OwnedFd fd = temp_file(file);
  iscsi::OutgoingPdu pdu = test::data_in(1, 0, {});
  pdu.file = {.fd = fd.get(), .offset = 0, .length = 4096};
  CHECK(send_one(io, target, pdu) == iscsi::pdu_errc::file_data_with_digest);
  CHECK(target.counters().bytes_sent == 0);

  const iovec v = io_of(std::span<const std::byte>(file));
  CHECK_FALSE(send_one(io, target, test::nop_out(2, {&v, 1})));
  const Received r = run(io, initiator.receive());
  REQUIRE_FALSE(r.ec);
  CHECK(r.pdu.bhs.initiator_task_tag() == 2);
  CHECK(test::first_difference(r.pdu.data, file) == -1);
}

TEST_CASE("close() while sendfile waits for room cancels the send", "[offload][file_send][tcp]") {
  asio::io_context io;
  auto pair = test::placement_pair(io, every_file_sent());
  Transport& target = *pair.second.transport;
  Transport& initiator = *pair.first.transport;  // never reads
  target.configure(limits(false));
  shrink_buffers(target, initiator);
  const auto file = pattern(8 << 20, 14);
  const OwnedFd fd = temp_file(file);
  iscsi::OutgoingPdu big = test::data_in(1, 0, {}), next = test::data_in(2, 0, {});
  big.file = {.fd = fd.get(), .offset = 0, .length = file.size()};
  next.file = {.fd = fd.get(), .offset = 0, .length = 4096};
  std::vector<std::error_code> results;
  for (const iscsi::OutgoingPdu* pdu : {&big, &next}) {
    asio::co_spawn(io, [&, pdu]() -> asio::awaitable<void> { results.push_back(co_await target.send(*pdu)); },
                   test::rethrow);
  }
  io.restart();
  for (int i = 0; i < 100 && target.counters().bytes_sendfile == 0; ++i) io.run_one_for(std::chrono::milliseconds(10));
  for (int i = 0; i < 10; ++i) io.run_one_for(std::chrono::milliseconds(5));
  const Counters before = target.counters();
  CHECK(before.bytes_sendfile > 0);
  CHECK(before.bytes_sendfile < file.size());
  REQUIRE(results.empty());
  target.close();
  io.restart();
  io.run();
  REQUIRE(results.size() == 2);
  CHECK(results[0] == std::errc::operation_canceled);
  CHECK(results[1] == std::errc::operation_canceled);
}

// Many /proc files have no splice_read: sendfile refuses them with EINVAL, but pread works.
// The PDU's head is on the wire by then; the data follows from memory.
TEST_CASE("a file sendfile cannot splice is read and sent from memory", "[offload][file_send][tcp]") {
  const OwnedFd fd(::open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC));
  REQUIRE(fd.get() >= 0);
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE_FALSE(text.empty());
  const auto expected = std::as_bytes(std::span(text));
  bool splices = false;
  {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    off_t at = 0;
    splices = ::sendfile(sv[0], fd.get(), &at, 1) == 1;
    ::close(sv[0]);
    ::close(sv[1]);
  }
  asio::io_context io;
  auto pair = test::placement_pair(io, every_file_sent());
  Transport& target = *pair.second.transport;
  Transport& initiator = *pair.first.transport;
  target.configure(limits(false));
  initiator.configure(limits(false));
  iscsi::OutgoingPdu pdu = test::data_in(1, 0, {});
  pdu.file = {.fd = fd.get(), .offset = 0, .length = expected.size()};
  CHECK_FALSE(send_one(io, target, pdu));
  const Received r = run(io, initiator.receive());
  REQUIRE_FALSE(r.ec);
  CHECK(test::first_difference(r.pdu.data, expected) == -1);
  const Counters sent = target.counters();
  CHECK(sent.bytes_sendfile + sent.bytes_file_read == expected.size());
  if (splices) {
    WARN("this kernel splices /proc/self/cmdline: the read fallback was not exercised");
  } else {
    CHECK(sent.bytes_file_read == expected.size());
  }
}

// sendfile(2) has no MSG_NOSIGNAL: writing to a connection the peer has closed raises
// SIGPIPE, whose default action would kill this process. The transport must turn it into an
// error, as its gather writes do.
TEST_CASE("sendfile to a peer that is gone fails with an error, never SIGPIPE", "[offload][file_send][tcp]") {
  struct sigaction previous {};
  struct sigaction deflt {};
  deflt.sa_handler = SIG_DFL;
  REQUIRE(::sigaction(SIGPIPE, &deflt, &previous) == 0);
  asio::io_context io;
  auto pair = test::placement_pair(io, every_file_sent());
  Transport& target = *pair.second.transport;
  target.configure(limits(false));
  pair.first.transport.reset();  // the initiator closes: FIN, then RST for anything sent
  const auto file = pattern(256 * 1024, 15);
  const OwnedFd fd = temp_file(file);
  iscsi::OutgoingPdu pdu = test::data_in(1, 0, {});
  pdu.file = {.fd = fd.get(), .offset = 0, .length = file.size()};
  std::error_code ec;
  for (int i = 0; i < 20 && !ec; ++i) ec = send_one(io, target, pdu);
  INFO(ec.message());
  CHECK((ec == std::errc::broken_pipe || ec == std::errc::connection_reset));
  ::sigaction(SIGPIPE, &previous, nullptr);
}

}  // namespace uiscsi::offload
