// Login against the fake target: negotiated values, CHAP one-way and mutual with every
// algorithm, refusals with their status, AuthMethod mismatches, redirection, timeout.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include "fake_session.h"
#include "initiator/error.h"
#include "iscsi/chap_error.h"
#include "iscsi/login_status.h"
#include "iscsi/scsi_cdb_build.h"
#include "iscsi/scsi_lun.h"

namespace uiscsi::initiator {
namespace {

using test::FakeTarget;
using test::FakeTargetConfig;
namespace asio = boost::asio;

iscsi::ChapTargetConfig target_chap(std::vector<iscsi::ChapAlgorithm> algorithms, bool mutual) {
  iscsi::ChapTargetConfig c;
  c.algorithms = std::move(algorithms);
  c.initiator = iscsi::ChapCredentials::from_text("host1", "host1-secret");
  if (mutual) c.target = iscsi::ChapCredentials::from_text("disk1", "disk1-secret");
  return c;
}

ChapSettings initiator_chap(bool mutual) {
  ChapSettings c;
  c.user = "host1";
  c.secret = "host1-secret";
  if (mutual) {
    c.target_user = "disk1";
    c.target_secret = "disk1-secret";
  }
  return c;
}

}  // namespace

TEST_CASE("login: no authentication, then the negotiated values are in force", "[login]") {
  asio::io_context io;
  FakeTargetConfig tc;
  tc.local.max_recv_data_segment_length = 16384;
  tc.local.max_burst_length = 65536;
  tc.local.first_burst_length = 8192;
  tc.local.initial_r2t = true;
  FakeTarget target(io, tc);
  SessionConfig config = test::fake_config(target);
  config.negotiation.max_recv_data_segment_length = 32768;
  SessionOpen o = test::open_fake(io, target, config);
  INFO(o.error);
  REQUIRE(o.session);
  const SessionInfo info = o.session->info();
  CHECK(info.state == SessionState::logged_in);
  CHECK(info.params.connection.auth_method == iscsi::AuthMethod::none);
  CHECK(info.params.connection.max_send_data_segment_length == 16384);
  CHECK(info.params.connection.max_recv_data_segment_length == 32768);
  CHECK(info.params.session.max_burst_length == 65536);
  CHECK(info.params.session.first_burst_length == 8192);
  CHECK(info.params.session.initial_r2t);
  CHECK(info.params.session.error_recovery_level == iscsi::ErrorRecoveryLevel::session);
  CHECK(info.tsih == target.stats().last_tsih);
  CHECK(info.isid == target.stats().last_isid);
  CHECK(info.isid[0] == 0x80);  // a "Random" ISID (RFC 7143 11.12.5)
  CHECK(target.params().connection.max_send_data_segment_length == 32768);
  CHECK_FALSE(test::run(io, o.session->logout()));
  CHECK(target.stats().logouts == 1);
  test::drain(io);
}

TEST_CASE("login: CHAP with every algorithm, one-way and mutual", "[login][chap]") {
  const auto algorithm = GENERATE(iscsi::ChapAlgorithm::md5, iscsi::ChapAlgorithm::sha1,
                                  iscsi::ChapAlgorithm::sha256, iscsi::ChapAlgorithm::sha3_256);
  const bool mutual = GENERATE(false, true);
  INFO("CHAP_A " << int(algorithm) << (mutual ? " mutual" : " one-way"));
  asio::io_context io;
  FakeTargetConfig tc;
  tc.chap = target_chap({algorithm}, mutual);
  FakeTarget target(io, tc);
  SessionConfig config = test::fake_config(target);
  config.chap = initiator_chap(mutual);
  config.chap->algorithms = {iscsi::ChapAlgorithm::sha3_256, iscsi::ChapAlgorithm::sha256, iscsi::ChapAlgorithm::sha1,
                             iscsi::ChapAlgorithm::md5};
  SessionOpen o = test::open_fake(io, target, config);
  INFO(o.error);
  REQUIRE(o.session);
  CHECK(o.session->info().params.connection.auth_method == iscsi::AuthMethod::chap);
  o.session->close();
  test::drain(io);
}

TEST_CASE("login: CHAP failures", "[login][chap]") {
  asio::io_context io;
  FakeTargetConfig tc;
  tc.chap = target_chap(iscsi::default_chap_algorithms(), true);
  FakeTarget target(io, tc);
  SessionConfig config = test::fake_config(target);

  SECTION("a wrong secret: the target answers authentication failure") {
    config.chap = initiator_chap(false);
    config.chap->secret = "wrong";
    const SessionOpen o = test::open_fake(io, target, config);
    CHECK(o.ec == iscsi::LoginStatus::authentication_failure);
    CHECK(o.error.find("authentication failure") != std::string::npos);
  }
  SECTION("no credentials where the target wants CHAP") {
    const SessionOpen o = test::open_fake(io, target, config);
    CHECK_FALSE(o.session);
    CHECK(o.ec == iscsi::LoginStatus::authentication_failure);
  }
  SECTION("mutual: the target proves a secret other than the one we know") {
    config.chap = initiator_chap(true);
    config.chap->target_secret = "not-disk1-secret";
    const SessionOpen o = test::open_fake(io, target, config);
    CHECK(o.ec == iscsi::chap_errc::authentication_failed);
  }
  SECTION("mutual: the target answers under another name") {
    config.chap = initiator_chap(true);
    config.chap->target_user = "disk2";
    const SessionOpen o = test::open_fake(io, target, config);
    CHECK(o.ec == iscsi::chap_errc::unknown_name);
  }
  SECTION("no algorithm in common: the target refuses") {
    target.config().chap->algorithms = {iscsi::ChapAlgorithm::md5};
    config.chap = initiator_chap(false);
    config.chap->algorithms = {iscsi::ChapAlgorithm::sha256};
    const SessionOpen o = test::open_fake(io, target, config);
    CHECK_FALSE(o.session);
    CHECK(o.ec == iscsi::LoginStatus::authentication_failure);
  }
  test::drain(io);
}

TEST_CASE("login: CHAP configured but the target settles on AuthMethod=None", "[login][chap]") {
  asio::io_context io;
  FakeTarget target(io, {});
  SessionConfig config = test::fake_config(target);
  config.chap = initiator_chap(false);
  const SessionOpen o = test::open_fake(io, target, config);
  CHECK_FALSE(o.session);
  CHECK(o.ec == errc::auth_method_refused);
  test::drain(io);
}

TEST_CASE("login: a refused login carries its status class and detail", "[login]") {
  const auto status = GENERATE(iscsi::LoginStatus::not_found, iscsi::LoginStatus::authorization_failure,
                               iscsi::LoginStatus::service_unavailable, iscsi::LoginStatus::out_of_resources);
  asio::io_context io;
  FakeTargetConfig tc;
  tc.refuse_login = status;
  FakeTarget target(io, tc);
  const SessionOpen o = test::open_fake(io, target, test::fake_config(target));
  CHECK_FALSE(o.session);
  CHECK(o.ec == status);
  CHECK(&o.ec.category() == &iscsi::login_category());
  CHECK_FALSE(o.error.empty());
  test::drain(io);
}

TEST_CASE("login: a wrong target name is not found", "[login]") {
  asio::io_context io;
  FakeTarget target(io, {});
  SessionConfig config = test::fake_config(target);
  config.target_name = "iqn.2024-01.org.uiscsi:nobody";
  CHECK(test::open_fake(io, target, config).ec == iscsi::LoginStatus::not_found);
  test::drain(io);
}

TEST_CASE("login: redirection is followed to the TargetAddress given", "[login]") {
  asio::io_context io;
  FakeTargetConfig moved;
  moved.redirect_to = "[::1]:3261,7";
  FakeTarget forwarder(io, moved);
  FakeTarget real(io, {});
  std::vector<Portal> visited;
  const Connector a = forwarder.connector(), b = real.connector();
  const Connector both = [&](const Portal& p) {
    visited.push_back(p);
    return p.port == 3261 ? b(p) : a(p);
  };
  SessionConfig config = test::fake_config(real);
  SECTION("followed") {
    SessionOpen o = test::run(io, Session::open(io, config, both));
    INFO(o.error);
    REQUIRE(o.session);
    CHECK(visited == std::vector<Portal>{{"127.0.0.1", 3260}, {"::1", 3261}});
    CHECK(o.session->info().portal == Portal{"::1", 3261});
    o.session->close();
  }
  SECTION("not more often than max_redirects") {
    config.max_redirects = 0;
    const SessionOpen o = test::run(io, Session::open(io, config, both));
    CHECK(o.ec == errc::too_many_redirects);
  }
  SECTION("a TargetAddress that does not parse") {
    forwarder.config().redirect_to = "[::1";
    const SessionOpen o = test::run(io, Session::open(io, config, both));
    CHECK(o.ec == errc::bad_target_address);
  }
  test::drain(io);
}

TEST_CASE("login: a silent target times out", "[login]") {
  asio::io_context io;
  std::unique_ptr<offload::Transport> silent;  // the target end: kept open, never answers
  const Connector connector = [&](const Portal&) -> asio::awaitable<Connected> {
    auto pair = offload::testing::make_loopback_pair(io);
    silent = std::move(pair.second);
    co_return Connected{std::move(pair.first), {}, {}};
  };
  SessionConfig config;
  config.initiator_name = "iqn.2024-01.org.uiscsi:unit-test";
  config.target_name = "iqn.2024-01.org.uiscsi:fake";
  config.portal = {"127.0.0.1", 3260};
  config.timeouts.login = std::chrono::milliseconds{100};
  const auto start = std::chrono::steady_clock::now();
  const SessionOpen o = test::run(io, Session::open(io, config, connector));
  CHECK(o.ec == errc::login_timeout);
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds{100});
  test::drain(io);
}

TEST_CASE("login: an unusable configuration is refused before connecting", "[login]") {
  asio::io_context io;
  FakeTarget target(io, {});
  SessionConfig config = test::fake_config(target);
  config.initiator_name.clear();
  const SessionOpen o = test::open_fake(io, target, config);
  CHECK(o.ec == errc::invalid_config);
  CHECK(o.error == "initiator_name is required");
  CHECK(target.stats().connections == 0);
  test::drain(io);
}

TEST_CASE("login: digests are negotiated and used", "[login]") {
  asio::io_context io;
  FakeTargetConfig tc;
  tc.local.header_digests = {iscsi::DigestType::crc32c, iscsi::DigestType::none};
  tc.local.data_digests = {iscsi::DigestType::crc32c, iscsi::DigestType::none};
  FakeTarget target(io, tc);
  SessionConfig config = test::fake_config(target);
  config.negotiation.header_digests = {iscsi::DigestType::crc32c};
  config.negotiation.data_digests = {iscsi::DigestType::crc32c};
  SessionOpen o = test::open_fake(io, target, config);
  INFO(o.error);
  REQUIRE(o.session);
  CHECK(o.session->info().params.connection.digests() == iscsi::DigestConfig{true, true});
  // A command with data both ways goes through the digests on both ends.
  std::array<std::byte, 512> block{};
  block.fill(std::byte{0x5a});
  const iovec iov{block.data(), block.size()};
  Command write;
  write.lun = *iscsi::scsi::encode_lun(1);
  write.cdb = iscsi::scsi::cdb::write_10(3, 1);
  write.direction = DataDirection::write;
  write.buffers = {&iov, 1};
  write.transfer_length = 512;
  CHECK_FALSE(test::run(io, o.session->execute(write)).ec);
  CHECK(target.disk().data()[3 * 512] == std::byte{0x5a});
  CHECK(o.session->info().counters.digest_errors == 0);
  o.session->close();
  test::drain(io);
}

}  // namespace uiscsi::initiator

namespace uiscsi::initiator {

TEST_CASE("login: a connection that never completes times out", "[login]") {
  asio::io_context io;
  const Connector hanging = [&io](const Portal&) -> asio::awaitable<Connected> {
    asio::steady_timer never(io, std::chrono::hours(1));  // like a SYN nobody answers
    auto [ec] = co_await never.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return Connected{nullptr, ec, "gave up"};
  };
  SessionConfig config;
  config.initiator_name = "iqn.2024-01.org.uiscsi:unit-test";
  config.target_name = "iqn.2024-01.org.uiscsi:fake";
  config.portal = {"192.0.2.1", 3260};
  config.timeouts.login = std::chrono::milliseconds{100};
  const auto start = std::chrono::steady_clock::now();
  const SessionOpen o = test::run(io, Session::open(io, config, hanging));
  CHECK(o.ec == errc::login_timeout);
  CHECK(o.error.find("192.0.2.1:3260") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  test::drain(io);
}

}  // namespace uiscsi::initiator
