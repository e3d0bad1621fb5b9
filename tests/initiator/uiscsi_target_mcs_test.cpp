// MC/S (RFC 7143 4.1.1) against uiscsi-target, which allows four connections per session:
// the initiator adds connections up to what both sides offered, spreads commands over
// them (each task stays on its connection), and when one connection is lost it reinstates
// the whole session (ERL 0), holding and resending the I/O, and adds the others again.
// Hidden from the unit run ([.uiscsi_target]); ctest runs it with UISCSI_TARGET set.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <vector>

#include "helpers.h"
#include "initiator/scsi_retry.h"
#include "initiator/session.h"
#include "iscsi/scsi_cdb_build.h"
#include "iscsi/scsi_lun.h"
#include "offload/registry.h"
#include "uiscsi_target.h"

namespace uiscsi::initiator {
namespace {

using test::run;
using test::UiscsiTarget;
namespace asio = boost::asio;

// Runs `io` until the session has `n` logged-in connections (additions run in the
// background after the leading login), or 20 s have passed.
bool wait_for_connections(asio::io_context& io, const Session& session, std::size_t n) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < until) {
    const SessionInfo i = session.info();
    if (i.state == SessionState::logged_in && i.connections.size() == n) return true;
    io.restart();
    io.run_for(std::chrono::milliseconds(50));
  }
  return false;
}

// The socket of this process whose local port is `port`: how the test cuts one connection
// of the session without the session knowing, as a failing link would.
int socket_with_local_port(std::uint16_t port) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    const int fd = std::atoi(entry.path().filename().c_str());
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0 || a.ss_family != AF_INET) continue;
    if (ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port) == port) return fd;
  }
  return -1;
}

}  // namespace

TEST_CASE("uiscsi-target: MC/S spreads commands over three connections and survives losing one",
          "[.uiscsi_target][mcs]") {
  SKIP_WITHOUT_UISCSI_TARGET();
  UiscsiTarget target({.iqn = "iqn.2026-11.org.uiscsi:mcs", .offload = "tcp", .max_connections = 4});
  asio::io_context io;
  SessionConfig config = target.session_config("iqn.2026-11.org.uiscsi:mcs-test");
  config.negotiation.max_connections = 3;
  config.timeouts.reconnect_delay = Milliseconds{100};
  SessionOpen o = run(io, Session::open(io, config, make_connector(io, offload::Registry::with_builtin_paths())));
  INFO(o.error << "\n" << target.log());
  REQUIRE(o.session);
  Session& session = *o.session;
  REQUIRE(session.info().params.session.max_connections == 3);
  REQUIRE(wait_for_connections(io, session, 3));
  {
    const SessionInfo info = session.info();
    std::set<std::uint16_t> cids, ports;
    for (const ConnectionInfo& c : info.connections) {
      cids.insert(c.cid);
      ports.insert(c.local.port());
      CHECK(c.path.in_use == offload::Path::tcp);
    }
    CHECK(cids == std::set<std::uint16_t>{0, 1, 2});
    CHECK(ports.size() == 3);
  }

  constexpr std::size_t kQd = 24, kIo = 64 * 1024, kBlocks = kIo / 512;
  const std::uint64_t lun = *iscsi::scsi::encode_lun(0);
  const std::vector<std::byte> written = test::random_bytes(kQd * kIo, 7);
  std::vector<std::byte> read_back(written.size());
  auto io_one = [&](std::size_t index, bool write) {
    std::byte* base = write ? const_cast<std::byte*>(written.data()) : read_back.data();
    return test::transfer_16(session, lun, write, index * kBlocks, {base + index * kIo, kIo});
  };
  auto all = [&](bool write) {
    std::vector<asio::awaitable<void>> tasks;
    for (std::size_t i = 0; i < kQd; ++i) tasks.push_back(io_one(i, write));
    test::run_all(io, std::move(tasks));
  };
  all(true);
  all(false);
  CHECK(std::equal(written.begin(), written.end(), read_back.begin()));
  // Every connection carried commands: each received Data-In or responses of its own.
  for (const ConnectionInfo& c : session.info().connections) {
    INFO("connection " << c.cid << ": " << c.counters.pdus_received << " PDUs received");
    CHECK(c.counters.pdus_received >= kQd / 6);
  }

  SECTION("losing one connection reinstates the session; held I/O completes and verifies") {
    const SessionInfo before = session.info();
    const int fd = socket_with_local_port(before.connections[1].local.port());
    REQUIRE(fd >= 0);
    std::fill(read_back.begin(), read_back.end(), std::byte{0});
    ::shutdown(fd, SHUT_RDWR);  // the link goes; the session learns it from the socket
    all(false);
    CHECK(std::equal(written.begin(), written.end(), read_back.begin()));
    REQUIRE(wait_for_connections(io, session, 3));
    const SessionInfo after = session.info();
    CHECK(after.recovery.reinstatements == 1);
    CHECK(after.recovery.connection_failures >= 1);
    CHECK(after.tsih != 0);
  }
  CHECK_FALSE(run(io, session.logout()));
  test::drain(io);
}

}  // namespace uiscsi::initiator
