// A connect that does not complete in time: connect() asks the path what it is stuck in
// before abandoning the socket, and the smc path answers from SMC_DIAG in words. This host
// has no AF_SMC, so the words are tested from SMC_DIAG records (and bytes) and the hook
// over plain TCP; the hidden "[smc_lab]" case asks a real kernel (tests/kernel/smc.sh).
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/smc_diag.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "full_listener.h"
#include "helpers.h"
#include "offload/connect.h"
#include "offload/detail/smc_diag.h"
#include "offload/detail/smc_pending.h"
#include "offload/detail/tcp_socket.h"
#include "offload/smc_transport.h"
#include "offload/tcp_transport.h"

namespace uiscsi::offload {
namespace {

namespace asio = boost::asio;
using detail::SmcDiagEntry;

constexpr std::uint8_t kInit = 2, kActive = 1;  // enum smc_state

SmcDiagEntry entry(std::uint8_t state, std::uint8_t mode) {
  SmcDiagEntry e;
  e.state = state;
  e.mode = mode;
  return e;
}

// connect() to `portal` on the path `registry` decides for `policy`, cancelled once the
// kernel is connecting: the io_context has run everything it can without an answer from
// the peer (connect(2) said EINPROGRESS, the socket waits for the SYN-ACK).
Selection cancelled_connect(const SocketAddress& portal, Policy policy, const Registry& registry) {
  asio::io_context io;
  asio::cancellation_signal cancel;
  std::optional<Selection> result;
  asio::co_spawn(io, connect(io, portal, policy, registry),
                 asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e, Selection s) {
                   if (e) std::rethrow_exception(e);
                   result = std::move(s);
                 }));
  io.poll();
  REQUIRE_FALSE(result);  // still connecting
  cancel.emit(asio::cancellation_type::terminal);
  io.run();
  REQUIRE(result);
  return std::move(*result);
}

}  // namespace

TEST_CASE("smc: an unfinished connect's SMC_DIAG record in words", "[smc][pending]") {
  using detail::describe_pending_smc_connect;
  using detail::SmcMode;
  const auto smcr = static_cast<std::uint8_t>(SmcMode::smcr);
  const auto smcd = static_cast<std::uint8_t>(SmcMode::smcd);
  const auto tcp = static_cast<std::uint8_t>(SmcMode::fallback_tcp);
  // The Soft-RoCE stall of the kernel lab: INIT, SMC-R, no fallback.
  CHECK(describe_pending_smc_connect(entry(kInit, smcr), {}) == "SMC handshake stuck (SMC_DIAG: state INIT, mode SMC-R)");
  CHECK(describe_pending_smc_connect(entry(kInit, smcd), {}) == "SMC handshake stuck (SMC_DIAG: state INIT, mode SMC-D)");
  // Fallen back already: the TCP connect is what did not finish; the reason is kept.
  SmcDiagEntry fell = entry(kInit, tcp);
  CHECK(describe_pending_smc_connect(fell, {}) ==
        "SMC fell back to TCP and the TCP connect did not finish (SMC_DIAG: state INIT, mode TCP)");
  fell.has_fallback = true;
  fell.fallback_reason = 0x03030000;
  CHECK(describe_pending_smc_connect(fell, {}) ==
        "SMC fell back to TCP and the TCP connect did not finish (SMC_DIAG: state INIT, mode TCP, "
        "fallback: no SMC device found (0x03030000))");
  // Past INIT (finished as the wait ended), and values this table does not know, by number.
  CHECK(describe_pending_smc_connect(entry(kActive, smcr), {}) == "SMC connect unfinished (SMC_DIAG: state ACTIVE, mode SMC-R)");
  CHECK(describe_pending_smc_connect(entry(99, 7), {}) == "SMC connect unfinished (SMC_DIAG: state 99, mode 7)");
  // No record: not in the dump, or SMC_DIAG could not be asked.
  CHECK(describe_pending_smc_connect(std::nullopt, std::make_error_code(std::errc::no_such_file_or_directory)) ==
        "SMC handshake state unknown: the socket is not in SMC_DIAG");
  const auto timed_out = std::make_error_code(std::errc::timed_out);
  CHECK(describe_pending_smc_connect(std::nullopt, timed_out) ==
        "SMC handshake state unknown: SMC_DIAG: " + timed_out.message());
}

TEST_CASE("smc: the socket states have the kernel's names", "[smc][pending]") {
  // enum smc_state, net/smc/smc.h (Linux 6.1); note APPFINCLOSEWAIT is 24, after the APPCLOSEWAITs.
  CHECK(detail::smc_state_name(1) == "ACTIVE");
  CHECK(detail::smc_state_name(2) == "INIT");
  CHECK(detail::smc_state_name(7) == "CLOSED");
  CHECK(detail::smc_state_name(10) == "LISTEN");
  CHECK(detail::smc_state_name(20) == "PEERCLOSEWAIT1");
  CHECK(detail::smc_state_name(21) == "PEERCLOSEWAIT2");
  CHECK(detail::smc_state_name(22) == "APPCLOSEWAIT1");
  CHECK(detail::smc_state_name(23) == "APPCLOSEWAIT2");
  CHECK(detail::smc_state_name(24) == "APPFINCLOSEWAIT");
  CHECK(detail::smc_state_name(25) == "PEERFINCLOSEWAIT");
  CHECK(detail::smc_state_name(26) == "PEERABORTWAIT");
  CHECK(detail::smc_state_name(27) == "PROCESSABORT");
  CHECK(detail::smc_state_name(0).empty());
  CHECK(detail::smc_state_name(3).empty());
}

TEST_CASE("smc: a stalled socket's SMC_DIAG message is read into the words", "[smc][pending][netlink]") {
  // The bytes smc_diag sends for the lab's stalled socket: state INIT, mode SMC-R, and a
  // fallback attribute of zeros (no fallback).
  smc_diag_msg msg{};
  msg.diag_family = AF_SMC;
  msg.diag_state = kInit;
  msg.diag_mode = SMC_DIAG_MODE_SMCR;
  msg.diag_inode = 4242;
  const rtattr attr{RTA_LENGTH(sizeof(smc_diag_fallback)), SMC_DIAG_FALLBACK};
  const smc_diag_fallback none{0, 0};
  nlmsghdr header{};
  header.nlmsg_len = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof msg) + RTA_LENGTH(sizeof none);
  header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  header.nlmsg_seq = 3;
  std::vector<std::byte> datagram(header.nlmsg_len);
  std::memcpy(datagram.data(), &header, sizeof header);
  std::memcpy(datagram.data() + NLMSG_HDRLEN, &msg, sizeof msg);
  std::memcpy(datagram.data() + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof msg), &attr, sizeof attr);
  std::memcpy(datagram.data() + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof msg) + RTA_LENGTH(0), &none, sizeof none);
  std::vector<SmcDiagEntry> entries;
  const detail::SmcDiagParse r = detail::parse_smc_diag_reply(datagram, 3, entries);
  REQUIRE_FALSE(r.ec);
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].inode == 4242);
  CHECK(detail::describe_pending_smc_connect(entries[0], {}) ==
        "SMC handshake stuck (SMC_DIAG: state INIT, mode SMC-R)");
}

TEST_CASE("smc: the factory describes a pending socket from SMC_DIAG", "[smc][pending]") {
  REQUIRE(smc_factory().describe_pending);
  // This host has no AF_SMC: a TCP socket is not among SMC_DIAG's sockets (or SMC_DIAG
  // itself cannot be asked), and the words say the state is unknown rather than guess.
  OwnedFd tcp(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(tcp);
  const std::string words = smc_factory().describe_pending(tcp.get());
  INFO(words);
  CHECK(words.starts_with("SMC handshake state unknown: "));
}

TEST_CASE("smc: a cancelled connect asks its path what it is stuck in, then abandons the socket", "[smc][connect][pending]") {
  const test::FullListener full;
  std::vector<std::string> events;
  TransportFactory f = tcp_factory();
  f.describe_pending = [&events](int socket) {
    // Asked while the socket is still open and still connecting.
    events.push_back("describe: " + std::string(detail::socket_option(socket, SO_DOMAIN) == AF_INET ? "open" : "closed"));
    return std::string("handshake stuck (a test's words)");
  };
  f.abandon = [&events](OwnedFd socket) { events.push_back(socket ? "abandon: open" : "abandon: empty"); };
  Registry registry;
  registry.add(f);
  const Selection s = cancelled_connect(full.address(), Policy::tcp, registry);
  CHECK(s.ec == std::errc::operation_canceled);
  CHECK_FALSE(s.transport);
  CHECK(s.pending == "handshake stuck (a test's words)");
  CHECK(s.error == "connect to " + full.address().to_string() + ": " + s.ec.message() +
                       " (handshake stuck (a test's words))");
  CHECK(events == std::vector<std::string>{"describe: open", "abandon: open"});

  // The tcp path has nothing to add: the error is the plain one.
  Registry plain;
  plain.add(tcp_factory());
  const Selection t = cancelled_connect(full.address(), Policy::tcp, plain);
  CHECK(t.ec == std::errc::operation_canceled);
  CHECK(t.pending.empty());
  CHECK(t.error == "connect to " + full.address().to_string() + ": " + t.ec.message());
}

TEST_CASE("smc: a refused connect is not described as pending", "[smc][connect][pending]") {
  // Bound, never listening: refused at once, nothing is still connecting.
  OwnedFd holder(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(holder);
  const auto loopback = SocketAddress::ip("127.0.0.1", 0).value();
  REQUIRE(::bind(holder.get(), loopback.data(), loopback.size()) == 0);
  int described = 0;
  TransportFactory f = tcp_factory();
  f.describe_pending = [&described](int) {
    ++described;
    return std::string("should not be asked");
  };
  Registry registry;
  registry.add(f);
  asio::io_context io;
  const Selection s = test::run(io, connect(io, SocketAddress::local_of(holder.get()), Policy::tcp, registry));
  CHECK(s.ec == std::errc::connection_refused);
  CHECK(s.pending.empty());
  CHECK(described == 0);
}

// The kernel lab's check (tests/kernel/smc.sh): an AF_SMC connect to a listener that never
// answers its SYN, cancelled; a real SMC_DIAG then lists the socket in state INIT.
TEST_CASE("smc: a stalled AF_SMC connect is described from the kernel's SMC_DIAG", "[.smc_lab]") {
  const test::FullListener full;
  const Selection s = cancelled_connect(full.address(), Policy::smc, Registry::with_builtin_paths());
  std::cout << "smc lab: a cancelled AF_SMC connect to " << full.address().to_string() << ": " << s.error << "\n";
  CHECK(s.ec == std::errc::operation_canceled);
  CHECK(s.pending == "SMC handshake stuck (SMC_DIAG: state INIT, mode SMC-R)");
}

}  // namespace uiscsi::offload
