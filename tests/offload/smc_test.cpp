// The smc path where this host can test it: AF_SMC missing (EAFNOSUPPORT) gives a clear
// reason and an explicit request fails with it; the decline codes in words; SMC_DIAG
// request and reply bytes. The hidden "[smc_lab]" case makes a real AF_SMC connection: it
// runs in the kernel lab (tests/kernel/smc.sh).
#include <fcntl.h>
#include <linux/netlink.h>
#include <poll.h>
#include <linux/rtnetlink.h>
#include <linux/smc_diag.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "helpers.h"
#include "offload/connect.h"
#include "offload/detail/smc_decline.h"
#include "offload/detail/smc_diag.h"
#include "offload/detail/tcp_socket.h"
#include "offload/error.h"
#include "offload/listener.h"
#include "offload/smc_transport.h"
#include "offload/tcp_transport.h"

namespace uiscsi::offload {
namespace {

using test::run;
namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using Bytes = std::vector<std::byte>;

// What this kernel says, tested the way the probe does it.
bool kernel_has_af_smc() {
  const int fd = ::socket(AF_SMC, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0) ::close(fd);
  return fd >= 0;
}

template <typename T>
void append(Bytes& out, const T& value) {
  const auto* p = reinterpret_cast<const std::byte*>(&value);
  out.insert(out.end(), p, p + sizeof value);
}

// One SOCK_DIAG_BY_FAMILY message as the kernel's smc_diag builds it: smc_diag_msg, then
// the SMC_DIAG_SHUTDOWN (u8) and SMC_DIAG_FALLBACK attributes.
Bytes diag_message(std::uint32_t seq, std::uint64_t inode, std::uint8_t mode, std::uint32_t reason,
                   std::uint32_t peer) {
  smc_diag_msg msg{};
  msg.diag_family = AF_SMC;
  msg.diag_state = 1;
  msg.diag_mode = mode;
  msg.diag_inode = inode;
  Bytes body;
  append(body, msg);
  const rtattr shutdown{RTA_LENGTH(1), SMC_DIAG_SHUTDOWN};
  append(body, shutdown);
  body.insert(body.end(), {std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0}});  // u8, padded
  const rtattr fallback_attr{RTA_LENGTH(sizeof(smc_diag_fallback)), SMC_DIAG_FALLBACK};
  append(body, fallback_attr);
  append(body, smc_diag_fallback{reason, peer});
  nlmsghdr header{};
  header.nlmsg_len = std::uint32_t(NLMSG_HDRLEN + body.size());
  header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  header.nlmsg_flags = NLM_F_MULTI;
  header.nlmsg_seq = seq;
  Bytes out;
  append(out, header);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Bytes done_message(std::uint32_t seq) {
  nlmsghdr header{};
  header.nlmsg_len = NLMSG_HDRLEN + sizeof(int);
  header.nlmsg_type = NLMSG_DONE;
  header.nlmsg_flags = NLM_F_MULTI;
  header.nlmsg_seq = seq;
  Bytes out;
  append(out, header);
  append(out, 0);
  return out;
}

// Prints the kernel's SMC_DIAG reply datagrams in hex, for tests that replay real bytes.
void print_diag_dump() {
  const int nl = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  REQUIRE(nl >= 0);
  const Bytes request = detail::build_smc_diag_request(1);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  REQUIRE(::sendto(nl, request.data(), request.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) ==
          ssize_t(request.size()));
  for (bool done = false; !done;) {
    Bytes buffer(65536);
    const ssize_t n = ::recv(nl, buffer.data(), buffer.size(), 0);
    REQUIRE(n > 0);
    std::vector<detail::SmcDiagEntry> entries;
    done = detail::parse_smc_diag_reply({buffer.data(), std::size_t(n)}, 1, entries).done || entries.empty();
    std::cout << "smc lab: SMC_DIAG datagram (" << n << " bytes):";
    for (ssize_t i = 0; i < n; ++i) {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%02x", unsigned(buffer[std::size_t(i)]));
      std::cout << (i % 32 == 0 ? "\n  " : " ") << hex;
    }
    std::cout << "\n";
  }
  ::close(nl);
}

}  // namespace

TEST_CASE("smc: a kernel without AF_SMC is reported, and an explicit request fails with it", "[smc]") {
  const TransportFactory f = smc_factory();
  REQUIRE(f.probe);
  const Availability a = f.probe();
  if (kernel_has_af_smc()) {
    WARN("this kernel has AF_SMC: checking the available side only");
    CHECK(a.available);
    CHECK(Registry::with_builtin_paths().decide(Policy::smc).path.in_use == Path::smc);
    return;
  }
  CHECK_FALSE(a.available);
  CHECK(a.reason == "kernel has no AF_SMC");

  // Explicit: refused, with the reason, before any socket is made.
  const Registry builtin = Registry::with_builtin_paths();
  const Decision d = builtin.decide(Policy::smc);
  CHECK(d.ec == errc::path_unavailable);
  CHECK(d.error == "smc: kernel has no AF_SMC");
  asio::io_context io;
  ListenResult l = Listener::open(io, SocketAddress::ip("127.0.0.1", 0).value(), Policy::smc, builtin);
  CHECK(l.ec == errc::path_unavailable);
  CHECK(l.error == "smc: kernel has no AF_SMC");
  Selection s = run(io, connect(io, SocketAddress::ip("127.0.0.1", 1).value(), Policy::smc, builtin));
  CHECK(s.ec == errc::path_unavailable);
  CHECK(s.error == "smc: kernel has no AF_SMC");

  // auto without placement passes smc over for tcp and says why.
  Registry registry;
  registry.add(tcp_factory());
  registry.add(smc_factory());
  const Decision a2 = registry.decide(Policy::auto_);
  REQUIRE_FALSE(a2.ec);
  CHECK(a2.path.in_use == Path::tcp);
  CHECK(a2.path.fallback_reason == "iser: not built; placement: not built; smc: kernel has no AF_SMC");

  std::error_code ec;
  CHECK_FALSE(open_smc_socket(AF_INET, ec));
  CHECK(ec == std::errc::address_family_not_supported);
}

TEST_CASE("smc: the factory adopts only AF_SMC sockets", "[smc]") {
  asio::io_context io;
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  OwnedFd keep(fds[1]);
  std::error_code ec;
  CHECK_FALSE(make_smc_transport(io, OwnedFd(fds[0]), {}, {}, ec));
  CHECK(ec == std::errc::invalid_argument);
  CHECK(::fcntl(fds[0], F_GETFD) == -1);  // closed, not leaked
  ec.clear();
  CHECK_FALSE(open_smc_socket(AF_UNIX, ec));
  CHECK(ec == std::errc::address_family_not_supported);
}

TEST_CASE("smc: a socket whose connect failed goes to its path's abandon hook, not close", "[smc][connect]") {
  // A port nobody listens on: bound, never listening, so the connect is refused.
  OwnedFd holder(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(holder);
  auto loopback = SocketAddress::ip("127.0.0.1", 0).value();
  REQUIRE(::bind(holder.get(), loopback.data(), loopback.size()) == 0);
  const SocketAddress portal = SocketAddress::local_of(holder.get());

  std::vector<OwnedFd> abandoned;
  TransportFactory f = tcp_factory();
  f.abandon = [&abandoned](OwnedFd socket) { abandoned.push_back(std::move(socket)); };
  Registry registry;
  registry.add(f);
  asio::io_context io;
  const Selection s = run(io, connect(io, portal, Policy::tcp, registry));
  CHECK(s.ec == std::errc::connection_refused);
  CHECK_FALSE(s.transport);
  REQUIRE(abandoned.size() == 1);
  // Handed over open, and no longer Asio's: the hook owns it.
  CHECK(::fcntl(abandoned[0].get(), F_GETFD) != -1);
  CHECK(detail::socket_option(abandoned[0].get(), SO_DOMAIN) == AF_INET);

  // Without a hook the registry closes it.
  abandoned.clear();
  Registry plain;
  plain.add(tcp_factory());
  const Selection t = run(io, connect(io, portal, Policy::tcp, plain));
  CHECK(t.ec == std::errc::connection_refused);
  CHECK(abandoned.empty());
}

TEST_CASE("smc: the factory closes an abandoned socket on a thread of its own", "[smc][connect]") {
  REQUIRE(smc_factory().abandon);
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
  OwnedFd peer(fds[1]);
  smc_factory().abandon(OwnedFd(fds[0]));
  // The peer sees the end of the stream once that thread has closed it (the wait is a
  // bound against hanging, not a measurement).
  pollfd p{peer.get(), POLLIN, 0};
  REQUIRE(::poll(&p, 1, 30000) == 1);
  char byte;
  CHECK(::read(peer.get(), &byte, 1) == 0);
  close_abandoned_smc_socket(OwnedFd());  // nothing to close: no thread, no error
}

TEST_CASE("smc: decline codes in the kernel's words", "[smc]") {
  CHECK(detail::smc_decline_text(0x03030000) == "no SMC device found");
  CHECK(detail::describe_smc_decline(0x03030000) == "no SMC device found (0x03030000)");
  CHECK(detail::describe_smc_decline(0x03010000) == "peer did not indicate SMC (0x03010000)");
  CHECK(detail::describe_smc_decline(0x03030002) == "no SMC-R device found (0x03030002)");
  CHECK(detail::describe_smc_decline(0x01010000) == "insufficient memory resources (0x01010000)");
  CHECK(detail::describe_smc_decline(0x09990003) == "internal error: registering RDMA buffers failed (0x09990003)");
  // Unknown codes are never guessed at: their class and the number.
  CHECK(detail::smc_decline_text(0x030a0007).empty());
  CHECK(detail::describe_smc_decline(0x030a0007) == "configuration error 0x030a0007 (unknown code)");
  CHECK(detail::describe_smc_decline(0x02990000) == "timeout 0x02990000 (unknown code)");
  CHECK(detail::describe_smc_decline(0x7f000000) == "decline 0x7f000000 (unknown code)");
  // When the peer declined, its diagnosis is the reason worth reading.
  CHECK(detail::describe_smc_fallback(0x05000000, 0x03030000) ==
        "peer declined: no SMC device found (0x03030000)");
  CHECK(detail::describe_smc_fallback(0x05000000, 0) == "peer declined during handshake (0x05000000)");
  CHECK(detail::describe_smc_fallback(0x03070000, 0x03030000) == "IP prefix / subnet mismatch (0x03070000)");
}

TEST_CASE("smc: the SMC_DIAG dump request", "[smc][netlink]") {
  const Bytes request = detail::build_smc_diag_request(0x01020304);
  REQUIRE(request.size() == sizeof(nlmsghdr) + sizeof(smc_diag_req));
  nlmsghdr header;
  std::memcpy(&header, request.data(), sizeof header);
  CHECK(header.nlmsg_len == request.size());
  CHECK(header.nlmsg_type == SOCK_DIAG_BY_FAMILY);
  CHECK(header.nlmsg_flags == (NLM_F_REQUEST | NLM_F_DUMP));  // the kernel answers dumps only
  CHECK(header.nlmsg_seq == 0x01020304);
  smc_diag_req req;
  std::memcpy(&req, request.data() + sizeof header, sizeof req);
  CHECK(req.diag_family == AF_SMC);
  CHECK(req.diag_ext == 1 << (SMC_DIAG_FALLBACK - 1));
}

TEST_CASE("smc: SMC_DIAG replies are parsed, and bad ones are refused without overreading", "[smc][netlink]") {
  Bytes datagram = diag_message(7, 1111, SMC_DIAG_MODE_FALLBACK_TCP, 0x03030000, 0);
  const Bytes second = diag_message(7, 2222, SMC_DIAG_MODE_SMCR, 0, 0);
  const Bytes other_seq = diag_message(8, 3333, SMC_DIAG_MODE_SMCR, 0, 0);
  datagram.insert(datagram.end(), second.begin(), second.end());
  datagram.insert(datagram.end(), other_seq.begin(), other_seq.end());

  std::vector<detail::SmcDiagEntry> entries;
  detail::SmcDiagParse r = detail::parse_smc_diag_reply(datagram, 7, entries);
  REQUIRE_FALSE(r.ec);
  CHECK_FALSE(r.done);
  REQUIRE(entries.size() == 2);  // the other sequence number is not ours
  CHECK(entries[0].inode == 1111);
  CHECK(entries[0].mode == SMC_DIAG_MODE_FALLBACK_TCP);
  CHECK(entries[0].has_fallback);
  CHECK(entries[0].fallback_reason == 0x03030000);
  CHECK(entries[1].inode == 2222);
  CHECK(entries[1].mode == SMC_DIAG_MODE_SMCR);

  entries.clear();
  r = detail::parse_smc_diag_reply(done_message(7), 7, entries);
  CHECK(r.done);
  CHECK_FALSE(r.ec);

  SECTION("the kernel's error: no smc_diag") {
    nlmsghdr header{};
    header.nlmsg_len = NLMSG_HDRLEN + sizeof(nlmsgerr);
    header.nlmsg_type = NLMSG_ERROR;
    header.nlmsg_seq = 7;
    nlmsgerr err{};
    err.error = -ENOENT;
    Bytes bytes;
    append(bytes, header);
    append(bytes, err);
    r = detail::parse_smc_diag_reply(bytes, 7, entries);
    CHECK(r.ec == std::errc::no_such_file_or_directory);
  }
  SECTION("every truncation is refused or yields only whole entries") {
    const Bytes one = diag_message(7, 1111, SMC_DIAG_MODE_FALLBACK_TCP, 0x03030000, 0);
    for (std::size_t n = 0; n < one.size(); ++n) {
      CAPTURE(n);
      // A copy of exactly n bytes, so that ASan sees any read past them.
      const auto cut = std::make_unique<std::byte[]>(n + 1);
      std::memcpy(cut.get(), one.data(), n);
      entries.clear();
      r = detail::parse_smc_diag_reply({cut.get(), n}, 7, entries);
      CHECK(entries.empty());
      CHECK_FALSE(r.done);
      if (n >= sizeof(nlmsghdr)) CHECK(r.ec == std::errc::bad_message);
    }
  }
  SECTION("an attribute running past its message is refused") {
    Bytes bad = diag_message(7, 1111, SMC_DIAG_MODE_FALLBACK_TCP, 0x03030000, 0);
    rtattr attr;
    const std::size_t at = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(smc_diag_msg));
    std::memcpy(&attr, bad.data() + at, sizeof attr);
    attr.rta_len = 200;
    std::memcpy(bad.data() + at, &attr, sizeof attr);
    entries.clear();
    r = detail::parse_smc_diag_reply(bad, 7, entries);
    CHECK(r.ec == std::errc::bad_message);
    CHECK(entries.empty());
  }
}

// A dump captured in the kernel lab (Linux 6.1.0-56-amd64, tests/kernel/smc.sh): an AF_SMC
// connection over 127.0.0.1 that fell back, both ends and the listener, then NLMSG_DONE.
TEST_CASE("smc: a real kernel's SMC_DIAG dump is understood", "[smc][netlink]") {
  const char* const captured =
      "64 00 00 00 14 00 02 00 01 00 00 00 91 00 00 00 2b 01 01 00 a5 85 c3 78 7f 00 00 01 00 00 00 00 "
      "00 00 00 00 00 00 00 00 7f 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00 "
      "00 00 00 00 00 00 00 00 25 02 00 00 00 00 00 00 05 00 03 00 00 00 00 00 0c 00 05 00 00 00 00 05 "
      "00 00 03 03 64 00 00 00 14 00 02 00 01 00 00 00 91 00 00 00 2b 01 01 00 c3 78 a5 85 7f 00 00 01 "
      "00 00 00 00 00 00 00 00 00 00 00 00 7f 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "02 00 00 00 00 00 00 00 00 00 00 00 5b 2a 00 00 00 00 00 00 05 00 03 00 00 00 00 00 0c 00 05 00 "
      "00 00 03 03 00 00 00 00 64 00 00 00 14 00 02 00 01 00 00 00 91 00 00 00 2b 0a 00 00 a5 85 00 00 "
      "7f 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
      "00 00 00 00 03 00 00 00 00 00 00 00 00 00 00 00 59 2a 00 00 00 00 00 00 05 00 03 00 00 00 00 00 "
      "0c 00 05 00 00 00 00 00 00 00 00 00";
  const char* const done = "14 00 00 00 03 00 02 00 01 00 00 00 91 00 00 00 00 00 00 00";
  auto bytes_of = [](const char* hex) {
    Bytes out;
    for (const char* p = hex; *p != '\0'; p += p[2] == ' ' ? 3 : 2) {
      out.push_back(std::byte(std::stoi(std::string(p, 2), nullptr, 16)));
    }
    return out;
  };
  const Bytes datagram = bytes_of(captured);
  REQUIRE(datagram.size() == 300);
  std::vector<detail::SmcDiagEntry> entries;
  const detail::SmcDiagParse r = detail::parse_smc_diag_reply(datagram, 1, entries);
  REQUIRE_FALSE(r.ec);
  CHECK_FALSE(r.done);
  REQUIRE(entries.size() == 3);
  // The accepting end (local port 42373, the portal): the peer declined, and said why.
  CHECK(entries[0].inode == 0x225);
  CHECK(entries[0].mode == SMC_DIAG_MODE_FALLBACK_TCP);
  CHECK(entries[0].has_fallback);
  CHECK(entries[0].fallback_reason == 0x05000000);
  CHECK(detail::describe_smc_fallback(entries[0].fallback_reason, entries[0].peer_diagnosis) ==
        "peer declined: no SMC device found (0x03030000)");
  // The connecting end (port 50040): it found no SMC device itself.
  CHECK(entries[1].inode == 0x2a5b);
  CHECK(entries[1].mode == SMC_DIAG_MODE_FALLBACK_TCP);
  CHECK(detail::describe_smc_fallback(entries[1].fallback_reason, entries[1].peer_diagnosis) ==
        "no SMC device found (0x03030000)");
  // The listener (state SMC_LISTEN), which has no fallback of its own.
  CHECK(entries[2].inode == 0x2a59);
  CHECK(entries[2].state == 10);
  CHECK(entries[2].fallback_reason == 0);

  entries.clear();
  const detail::SmcDiagParse end = detail::parse_smc_diag_reply(bytes_of(done), 1, entries);
  CHECK(end.done);
  CHECK_FALSE(end.ec);
  CHECK(entries.empty());
}

// The kernel lab's check (tests/kernel/smc.sh): a real AF_SMC connection over loopback with
// the smc and smc_diag modules loaded. Prints what each end reports.
TEST_CASE("smc: an AF_SMC connection over loopback reports its mode and fallback reason", "[.smc_lab]") {
  if (!kernel_has_af_smc()) FAIL("this kernel has no AF_SMC (load the smc module)");
  asio::io_context io;
  const Registry registry = Registry::with_builtin_paths();
  const char* const portals[] = {"127.0.0.1", "::1"};
  for (const char* host : portals) {
    ListenResult l = Listener::open(io, SocketAddress::ip(host, 0).value(), Policy::smc, registry);
    INFO(l.error);
    if (l.ec && std::string(host) == "::1") {
      std::cout << "smc lab: no IPv6 loopback (" << l.error << ")\n";
      continue;
    }
    REQUIRE(l.listener);
    auto pair = run(io, [&]() -> asio::awaitable<std::pair<Selection, Selection>> {
      auto [a, b] = co_await (connect(io, l.listener->local_endpoint(), Policy::smc, registry) && l.listener->accept());
      co_return std::pair{std::move(a), std::move(b)};
    }());
    INFO(pair.first.error << " / " << pair.second.error);
    REQUIRE(pair.first.transport);
    REQUIRE(pair.second.transport);
    for (const Selection* s : {&pair.first, &pair.second}) {
      const PathInfo info = s->transport->path_info();
      std::cout << "smc lab: " << (s == &pair.first ? "initiator" : "target   ") << " "
                << s->transport->local_endpoint().to_string() << " -> " << s->transport->remote_endpoint().to_string()
                << ": in_use=" << name(info.in_use) << " mode=" << info.mode << " reason=\""
                << info.fallback_reason << "\"\n";
      CHECK(info.in_use == Path::smc);
      CHECK((info.mode == "SMC-R" || info.mode == "SMC-D" || info.mode == "TCP"));
      if (info.mode == "TCP") CHECK(info.fallback_reason.starts_with("smc: kernel fell back to TCP: "));
    }
    print_diag_dump();
    // And it carries PDUs.
    const auto data = test::pattern(100000, 1);
    const iovec v = test::io_of(std::span<const std::byte>(data));
    const iscsi::PduLimits limits{.max_recv_data_segment_length = 262144, .header_digest = true, .data_digest = true};
    pair.first.transport->configure(limits);
    pair.second.transport->configure(limits);
    Received r = run(io, [&]() -> asio::awaitable<Received> {
      auto send = [&]() -> asio::awaitable<void> { co_await test::send_ok(*pair.first.transport, test::nop_out(5, {&v, 1})); };
      auto receive = [&]() -> asio::awaitable<Received> { co_return co_await pair.second.transport->receive(); };
      co_return co_await (send() && receive());
    }());
    REQUIRE_FALSE(r.ec);
    CHECK(std::equal(r.pdu.data.begin(), r.pdu.data.end(), data.begin(), data.end()));
    std::cout << "smc lab: " << host << ": a 100000-byte NOP-Out with digests went through\n";
  }
}

}  // namespace uiscsi::offload
