// The Server as the daemon uses it: configuration checks, real TCP portals with one
// io_context per thread, status snapshots, apply() (SIGHUP) and shutdown() (SIGTERM).
#include <thread>

#include "iscsi/scsi_lun.h"
#include "iscsi_test_support.h"
#include "offload/connect.h"
#include "offload/registry.h"
#include "target/iscsi/error.h"

using namespace uiscsi;
using namespace uiscsi::target::iscsit;
using namespace uiscsi::target::iscsit::test;

namespace {

bool mentions(const std::vector<std::string>& problems, std::string_view what) {
  for (const auto& p : problems) {
    if (p.find(what) != std::string::npos) return true;
  }
  return false;
}

// Runs `body` on a private io_context (the server runs on its own threads).
template <typename T>
T run_client(asio::io_context& io, asio::awaitable<T> body) {
  std::optional<T> result;
  std::exception_ptr failure;
  asio::co_spawn(io, std::move(body), [&](std::exception_ptr e, T value) {
    failure = e;
    if (!e) result = std::move(value);
  });
  io.restart();
  io.run_for(30s);
  if (failure) std::rethrow_exception(failure);
  REQUIRE(result);
  return std::move(*result);
}

const offload::Registry& registry() {
  static const offload::Registry r = offload::Registry::with_builtin_paths();
  return r;
}

asio::awaitable<std::unique_ptr<Initiator>> tcp_connect(asio::io_context& io, const offload::SocketAddress& portal) {
  offload::Selection s = co_await offload::connect(io, portal, offload::Policy::tcp, registry());
  REQUIRE(!s.ec);
  co_return std::make_unique<Initiator>(std::move(s.transport));
}

asio::awaitable<std::unique_ptr<Initiator>> tcp_login(asio::io_context& io, const offload::SocketAddress& portal,
                                                      const LoginOptions& o) {
  auto i = co_await tcp_connect(io, portal);
  const LoginResult r = co_await i->login(o);
  REQUIRE(!r.error);
  REQUIRE(r.status == iscsi::LoginStatus::success);
  co_return i;
}

asio::awaitable<std::unique_ptr<Initiator>> tcp_login(asio::io_context& io, const offload::SocketAddress& portal) {
  const LoginOptions o;
  co_return co_await tcp_login(io, portal, o);
}

// Waits for an Async Message asking for a logout; returns its Parameter3 (seconds).
asio::awaitable<std::optional<std::uint16_t>> logout_requested(Initiator& i) {
  for (;;) {
    const offload::Received r = co_await i.receive(10s);
    INFO(r.ec.message());
    if (r.ec) co_return std::nullopt;
    if (r.pdu.bhs.opcode() != iscsi::Opcode::async_message) continue;
    const auto m = iscsi::AsyncMessage::decode(r.pdu.bhs);
    if (m.async_event == iscsi::AsyncEvent::logout_request) co_return m.parameter3;
  }
}

}  // namespace

TEST_CASE("validate() names what makes a configuration unusable", "[iscsi][config]") {
  CHECK(validate(make_config()).empty());
  Config c = make_config();
  c.targets.push_back(make_target());                 // the same name twice
  c.targets.push_back(make_target("iqn.bad"));        // not an iSCSI name
  TargetNode& t = c.targets.front();
  t.limits.first_burst_length = t.limits.max_burst_length * 2;
  t.limits.max_recv_data_segment_length = 100;
  t.luns.push_back(t.luns.front());                   // LUN 0 twice
  t.portal_groups.push_back({1, {{"localhost", 3260, offload::Policy::tcp}}});  // TPGT 1 twice, a name
  t.chap.initiator = ChapCredentials{"host", "short"};
  t.chap.mutual = ChapCredentials{"disk", "short"};
  t.chap.algorithms = {4};
  c.discovery.chap.mutual = ChapCredentials{"disk", "discovery-secret-1"};
  const auto problems = validate(c);
  CHECK(mentions(problems, "defined twice"));
  CHECK(mentions(problems, "iqn.bad: not an iqn./eui./naa. iSCSI name"));
  CHECK(mentions(problems, "FirstBurstLength is above MaxBurstLength"));
  CHECK(mentions(problems, "MaxRecvDataSegmentLength=100"));
  CHECK(mentions(problems, "duplicate LUN 0"));
  CHECK(mentions(problems, "duplicate TPGT 1"));
  CHECK(mentions(problems, "'localhost' is not a numeric"));
  CHECK(mentions(problems, "shorter than 12 bytes"));
  CHECK(mentions(problems, "must differ"));
  CHECK(mentions(problems, "unknown CHAP_A value 4"));
  CHECK(mentions(problems, "discovery: mutual CHAP needs the initiator's"));

  CHECK(valid_iscsi_name("iqn.2001-04.com.example:storage.disk2.sys1.xyz"));
  CHECK(valid_iscsi_name("eui.02004567A425678D"));
  CHECK(valid_iscsi_name("naa.52004567BA64678D"));
  CHECK(!valid_iscsi_name("iqn.2001-04.com.Example"));  // not normalised
  CHECK(!valid_iscsi_name("iqn.01-04.com.example"));
  CHECK(!valid_iscsi_name("eui.0200"));
}

TEST_CASE("switch_to_tcp moves a placement connection to tcp during writes, losing nothing",
          "[iscsi][server][offload]") {
  Config config = make_config();
  config.targets[0].portal_groups[0].portals[0].offload = offload::Policy::placement;
  Server server(ServerOptions{.threads = 2, .shutdown_grace = 2s});
  std::string error;
  REQUIRE(!server.start(config, error));
  const auto listening = server.listening();
  REQUIRE(listening.size() == 1);
  CHECK(server.switch_to_tcp(12345, "nobody") == errc::no_such_connection);

  // 64 KiB writes, each solicited by R2T so its Data-Out is placed straight into the
  // task's buffer, until the switch has happened and a few more writes have followed it.
  constexpr std::uint32_t kWriteBytes = 64 * 1024;
  constexpr std::uint32_t kWrites = 48;
  std::atomic<std::uint32_t> written{0};
  std::atomic<std::uint32_t> written_at_switch{kWrites};
  std::error_code switched;
  offload::PathInfo before;
  std::uint64_t placed_before = 0;
  // The switch comes from another thread (as from the control socket), during the writes.
  std::thread switcher([&] {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (written.load() < 4 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
    const auto connections = server.connections();
    if (connections.size() != 1) return;
    before = connections[0].path;
    placed_before = connections[0].counters.bytes_placed;
    switched = server.switch_to_tcp(connections[0].id, "test switch");
    written_at_switch = written.load();
  });

  asio::io_context io;
  std::vector<std::vector<std::byte>> data;
  for (std::uint32_t k = 0; k < kWrites; ++k) data.push_back(pattern(kWriteBytes, static_cast<unsigned>(k + 1)));
  std::optional<std::uint64_t> placed_after_switch;
  std::vector<ConnectionInfo> after;
  run_client(io, [&]() -> asio::awaitable<int> {
    auto i = co_await tcp_login(io, listening[0]);
    (void)co_await i->test_unit_ready();  // takes the power-on unit attention
    for (std::uint32_t k = 0; k < kWrites; ++k) {
      const CommandResult w = co_await i->write(k * (kWriteBytes / kBlockSize), data[k], /*unsolicited=*/false);
      REQUIRE(w.completed);
      CHECK(w.status == 0);
      written = k + 1;
      // One whole write after the switch: any PDU placed while it happened is counted.
      if (!placed_after_switch && k >= written_at_switch.load() + 1) {
        placed_after_switch = server.connections().at(0).counters.bytes_placed;
      }
    }
    for (std::uint32_t k = 0; k < kWrites; ++k) {
      const CommandResult r = co_await i->read(k * (kWriteBytes / kBlockSize), kWriteBytes / kBlockSize);
      REQUIRE(r.completed);
      INFO("write " << k);
      CHECK(mismatch_at(r.data, data[k]) == -1);
    }
    after = server.connections();  // while the session is still logged in
    co_return 0;
  }());
  switcher.join();

  REQUIRE(before.in_use == offload::Path::placement);
  CHECK(placed_before > 0);
  REQUIRE(!switched);
  CHECK(written_at_switch.load() + 2 < kWrites);
  REQUIRE(after.size() == 1);
  const ConnectionInfo& c = after[0];
  CHECK(c.path.in_use == offload::Path::tcp);
  CHECK(c.path.fallback_reason == "switched to tcp: test switch");
  // On tcp nothing is placed any more: what the writes after the switch sent was copied.
  REQUIRE(placed_after_switch);
  CHECK(c.counters.bytes_placed == *placed_after_switch);
  CHECK(c.counters.bytes_copied > 0);
  server.shutdown();
}

TEST_CASE("A server on real TCP portals: login, I/O, snapshots, shutdown", "[iscsi][server]") {
  Server server(ServerOptions{.threads = 2, .shutdown_grace = 2s});
  std::string error;
  REQUIRE(!server.start(make_config(), error));
  const auto listening = server.listening();
  REQUIRE(listening.size() == 1);
  CHECK(listening[0].port() != 0);

  asio::io_context io;
  run_client(io, [&]() -> asio::awaitable<int> {
    auto i = co_await tcp_login(io, listening[0]);
    (void)co_await i->test_unit_ready();
    const auto data = pattern(300000 / kBlockSize * kBlockSize, 11);
    const CommandResult w = co_await i->write(2048, data);
    REQUIRE(w.completed);
    CHECK(w.status == 0);
    const CommandResult r = co_await i->read(2048, static_cast<std::uint32_t>(data.size() / kBlockSize));
    CHECK(mismatch_at(r.data, data) == -1);
    // The server counts a send when its write completes, which may be after the client has
    // the data; the answer to one more command comes after that completion.
    (void)co_await i->test_unit_ready();

    const auto connections = server.connections();
    REQUIRE(connections.size() == 1);
    const ConnectionInfo& c = connections[0];
    CHECK(c.local == listening[0]);
    CHECK(c.remote == i->transport().local_endpoint());
    CHECK(c.state == ConnectionState::full_feature);
    CHECK(c.path.in_use == offload::Path::tcp);
    CHECK(c.counters.bytes_received > data.size());
    CHECK(c.counters.bytes_sent > data.size());
    CHECK(c.initiator_name == kInitiatorName);
    CHECK(c.target_name == kTargetName);
    CHECK(c.tsih == i->tsih);
    const auto sessions = server.sessions();
    REQUIRE(sessions.size() == 1);
    CHECK(sessions[0].isid == i->isid);
    CHECK(sessions[0].params.max_burst_length == i->params.session.max_burst_length);

    // SIGTERM: the session is asked to log out within the grace period, and does.
    std::thread stopper([&] { server.shutdown(); });
    const auto seconds = co_await logout_requested(*i);
    CHECK(seconds == std::optional<std::uint16_t>(2));
    const auto lo = co_await i->logout();
    CHECK(!lo.ec);
    stopper.join();
    CHECK(server.connections().empty());
    co_return 0;
  }());
}

TEST_CASE("apply(): targets come and go, kept targets keep their sessions", "[iscsi][server][apply]") {
  Server server(ServerOptions{.threads = 1, .shutdown_grace = 1s});
  Config c = make_config();
  std::string error;
  REQUIRE(!server.start(c, error));
  const auto portal = server.listening().at(0);
  // Port 0 was bound once; the next configurations name the real port.
  c.targets[0].portal_groups[0].portals[0].port = portal.port();

  asio::io_context io;
  run_client(io, [&]() -> asio::awaitable<int> {
    auto i = co_await tcp_login(io, portal);
    (void)co_await i->test_unit_ready();

    // A second target, and LUN 1 on the first.
    Config next = c;
    next.targets.push_back(make_target("iqn.2024-01.org.uiscsi:new"));
    next.targets.back().portal_groups[0].portals[0].port = portal.port();
    Lun lun1 = next.targets[0].luns[0];
    lun1.number = 1;
    next.targets[0].luns.push_back(lun1);
    ApplyReport report = server.apply(next);
    CHECK(report.errors.empty());
    CHECK(report.targets_added == std::vector<std::string>{"iqn.2024-01.org.uiscsi:new"});
    CHECK(report.targets_changed == std::vector<std::string>{kTargetName});
    // The session stayed; the SCSI layer reports the new LUN.
    CommandResult tur = co_await i->test_unit_ready();
    REQUIRE(tur.completed);
    CHECK(tur.status == 0x02);  // REPORTED LUNS DATA HAS CHANGED
    const auto lun1_field = *iscsi::scsi::encode_lun(1);
    const auto cdb = iscsi::scsi::cdb::read_16(0, 1);
    const Initiator::Command read1{.cdb = cdb.view(), .expected_length = 512, .read = true, .lun = lun1_field};
    CommandResult r1 = co_await i->command(read1);
    CHECK(r1.completed);
    CHECK(r1.status == 0x02);  // POWER ON for the new logical unit
    r1 = co_await i->command(read1);
    CHECK(r1.completed);
    CHECK(r1.status == 0);
    LoginOptions o;
    o.target_name = "iqn.2024-01.org.uiscsi:new";
    o.isid[5] = 0x42;
    auto j = co_await tcp_login(io, portal, o);
    CHECK(server.sessions().size() == 2);

    // The new target goes again, and the ACL of the first no longer lets us in: both
    // sessions are asked to log out.
    Config last = c;
    last.targets[0].allowed_initiators = {"iqn.2024-01.org.uiscsi:someone-else"};
    report = server.apply(last);
    CHECK(report.targets_removed == std::vector<std::string>{"iqn.2024-01.org.uiscsi:new"});
    const auto j_asked = co_await logout_requested(*j);
    CHECK(j_asked);
    const auto i_asked = co_await logout_requested(*i);
    CHECK(i_asked);
    // Whoever does not log out is closed after the grace period.
    const auto closed = co_await i->receive(5s);
    CHECK(closed.ec == offload::errc::closed);
    // New logins see the new ACL.
    auto k = co_await tcp_connect(io, portal);
    const LoginResult refused = co_await k->login();
    CHECK(refused.status == iscsi::LoginStatus::authorization_failure);
    co_return 0;
  }());
  server.shutdown();
}

TEST_CASE("A login that stalls is closed after the login timeout", "[iscsi][server]") {
  Config c = make_config();
  c.login_timeout = 1s;
  Harness h(c);
  h.run([&]() -> asio::awaitable<int> {
    Initiator i(h.connect());
    const auto r = co_await i.receive(4s);
    CHECK(r.ec == offload::errc::closed);
    co_return 0;
  }());
}
