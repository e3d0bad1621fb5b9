// Integration with tgt: discovery, logins (no auth, CHAP, mutual CHAP), digests.
// Hidden from the unit run ([.integration]); ctest runs it with the label "integration".
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "helpers.h"
#include "initiator/discovery.h"
#include "initiator/error.h"
#include "initiator/scsi_retry.h"
#include "initiator/session.h"
#include "interop.h"
#include "iscsi/chap_error.h"
#include "iscsi/login_status.h"
#include "iscsi/scsi_capacity.h"
#include "iscsi/scsi_cdb_build.h"
#include "iscsi/scsi_lun.h"
#include "tgtd.h"

namespace uiscsi::initiator {
namespace {

using test::run;
using test::Tgtd;
namespace asio = boost::asio;

SessionConfig config_for(const Tgtd& tgtd) {
  SessionConfig c;
  c.initiator_name = "iqn.2024-01.org.uiscsi:initiator-test";
  c.target_name = tgtd.target_name();
  c.portal = {tgtd.address(), tgtd.port()};
  c.timeouts.login = Milliseconds{5000};
  return c;
}

struct ReadCapacity {
  std::error_code ec;
  iscsi::scsi::ReadCapacity16Data data;
};

// READ CAPACITY (16) on LUN 1: proves the session carries commands and Data-In.
ReadCapacity read_capacity(asio::io_context& io, Session& session) {
  std::array<std::byte, 32> buffer{};
  const iovec iov{buffer.data(), buffer.size()};
  Command c;
  c.lun = *iscsi::scsi::encode_lun(1);
  c.cdb = iscsi::scsi::cdb::read_capacity_16(32);
  c.direction = DataDirection::read;
  c.buffers = {&iov, 1};
  c.transfer_length = 32;
  // The first command after a login meets a UNIT ATTENTION at tgt: retried.
  const CommandResult r = run(io, execute_with_retries(session, c));
  ReadCapacity out;
  out.ec = r.ec;
  if (!r.ec) out.ec = iscsi::scsi::parse_read_capacity_16({buffer.data(), r.data_in_bytes}, out.data);
  return out;
}

}  // namespace

TEST_CASE("tgtd: SendTargets discovery", "[.integration][discovery]") {
  SKIP_WITHOUT_TGTD();
  Tgtd tgtd;
  asio::io_context io;
  const DiscoveryResult d =
      run(io, discover(io, config_for(tgtd), test::tested_connector(io)));
  INFO(d.error);
  REQUIRE_FALSE(d.ec);
  REQUIRE(d.targets.size() == 1);
  CHECK(d.targets[0].name == tgtd.target_name());
  REQUIRE_FALSE(d.targets[0].portals.empty());
  CHECK(d.targets[0].portals[0].portal == Portal{"127.0.0.1", tgtd.port()});
  CHECK(d.targets[0].portals[0].portal_group_tag == 1);
  test::drain(io);
}

TEST_CASE("tgtd: login without authentication, a command, logout", "[.integration][login]") {
  SKIP_WITHOUT_TGTD();
  Tgtd tgtd;
  asio::io_context io;
  SessionOpen o = run(io, Session::open(io, config_for(tgtd), test::tested_connector(io)));
  INFO(o.error);
  REQUIRE(o.session);
  const ReadCapacity rc = read_capacity(io, *o.session);
  REQUIRE_FALSE(rc.ec);
  CHECK(rc.data.block_length == 512);
  CHECK((rc.data.returned_lba + 1) * 512 == 64ull << 20);
  const SessionInfo info = o.session->info();
  CHECK(info.state == SessionState::logged_in);
  CHECK(info.tsih != 0);
  // The session reports the path it asked for as the one in use (ctest runs this per path).
  CHECK(info.path.requested == test::tested_policy());
  CHECK(info.path.in_use == *offload::explicit_path(test::tested_policy()));
  CHECK_FALSE(run(io, o.session->logout()));
  CHECK(o.session->state() == SessionState::closed);
  test::drain(io);
}

TEST_CASE("tgtd: MC/S offered, tgt allows one connection: the session runs on one", "[.integration][login]") {
  SKIP_WITHOUT_TGTD();
  Tgtd tgtd;
  asio::io_context io;
  SessionConfig config = config_for(tgtd);
  config.negotiation.max_connections = 4;
  SessionOpen o = run(io, Session::open(io, config, make_connector(io, offload::Registry::with_builtin_paths())));
  INFO(o.error);
  REQUIRE(o.session);
  REQUIRE_FALSE(read_capacity(io, *o.session).ec);
  const SessionInfo info = o.session->info();
  CHECK(info.params.session.max_connections == 1);  // the lower of the two offers
  CHECK(info.connections.size() == 1);
  CHECK(info.last_error.empty());  // no addition was tried
  CHECK_FALSE(run(io, o.session->logout()));
  test::drain(io);
}

}  // namespace uiscsi::initiator

namespace uiscsi::initiator {
namespace {

SessionOpen open_session(asio::io_context& io, const SessionConfig& config) {
  return run(io, Session::open(io, config, test::tested_connector(io)));
}

// tgt numbers SHA-256 as 7 but computes SHA-1: offer it MD5, which it really supports.
ChapSettings chap_for_tgt(std::string user, std::string secret) {
  ChapSettings c;
  c.user = std::move(user);
  c.secret = std::move(secret);
  c.algorithms = {iscsi::ChapAlgorithm::md5};
  return c;
}

}  // namespace

TEST_CASE("tgtd: CHAP, one-way and mutual", "[.integration][login]") {
  SKIP_WITHOUT_TGTD();
  Tgtd tgtd;
  tgtd.add_account("alice", "alice-secret-1");
  asio::io_context io;
  SessionConfig config = config_for(tgtd);

  SECTION("no credentials: the target refuses") {
    const SessionOpen o = open_session(io, config);
    CHECK_FALSE(o.session);
    CHECK(o.ec == iscsi::LoginStatus::authentication_failure);
    CHECK(o.error.find("authentication failure") != std::string::npos);
  }
  SECTION("a wrong secret: authentication failure") {
    config.chap = chap_for_tgt("alice", "not-the-secret");
    const SessionOpen o = open_session(io, config);
    CHECK_FALSE(o.session);
    CHECK(o.ec == iscsi::LoginStatus::authentication_failure);
  }
  SECTION("one-way CHAP") {
    config.chap = chap_for_tgt("alice", "alice-secret-1");
    SessionOpen o = open_session(io, config);
    INFO(o.error);
    REQUIRE(o.session);
    CHECK(o.session->info().params.connection.auth_method == iscsi::AuthMethod::chap);
    CHECK_FALSE(read_capacity(io, *o.session).ec);
    CHECK_FALSE(run(io, o.session->logout()));
  }
  SECTION("mutual CHAP") {
    tgtd.add_account("disk", "disk-secret-22", /*outgoing=*/true);
    config.chap = chap_for_tgt("alice", "alice-secret-1");
    config.chap->target_user = "disk";
    SECTION("the target proves itself") {
      config.chap->target_secret = "disk-secret-22";
      SessionOpen o = open_session(io, config);
      INFO(o.error);
      REQUIRE(o.session);
      CHECK_FALSE(read_capacity(io, *o.session).ec);
      CHECK_FALSE(run(io, o.session->logout()));
    }
    SECTION("the target knows another secret: we refuse it") {
      config.chap->target_secret = "what-we-expect";
      const SessionOpen o = open_session(io, config);
      CHECK_FALSE(o.session);
      CHECK(o.ec == iscsi::chap_errc::authentication_failed);
    }
  }
  test::drain(io);
}

TEST_CASE("tgtd: header and data digests", "[.integration][login]") {
  SKIP_WITHOUT_TGTD();
  // tgt offers only None unless told otherwise (and then answers an offer of CRC32C alone
  // with None, which RFC 7143 6.2.1 does not allow).
  test::TgtdOptions options;
  options.parameters = {{"HeaderDigest", "CRC32C,None"}, {"DataDigest", "CRC32C,None"}};
  Tgtd tgtd(options);
  asio::io_context io;
  SessionConfig config = config_for(tgtd);
  const bool on = GENERATE(false, true);
  const auto wanted = on ? iscsi::DigestType::crc32c : iscsi::DigestType::none;
  config.negotiation.header_digests = {wanted};
  config.negotiation.data_digests = {wanted};
  SessionOpen o = open_session(io, config);
  INFO(o.error);
  REQUIRE(o.session);
  CHECK(o.session->info().params.connection.header_digest == wanted);
  CHECK(o.session->info().params.connection.data_digest == wanted);

  // Data both ways across several PDUs: a digest computed wrongly on either side would
  // make the target or us drop the connection.
  const std::vector<std::byte> data = test::random_bytes(1u << 20, on ? 1 : 2);
  std::vector<std::byte> back(data.size());
  const iovec out{const_cast<std::byte*>(data.data()), data.size()};
  const iovec in{back.data(), back.size()};
  Command write;
  write.lun = *iscsi::scsi::encode_lun(1);
  write.cdb = iscsi::scsi::cdb::write_10(8, static_cast<std::uint16_t>(data.size() / 512));
  write.direction = DataDirection::write;
  write.buffers = {&out, 1};
  write.transfer_length = static_cast<std::uint32_t>(data.size());
  CHECK_FALSE(run(io, execute_with_retries(*o.session, write)).ec);
  Command read = write;
  read.cdb = iscsi::scsi::cdb::read_10(8, static_cast<std::uint16_t>(data.size() / 512));
  read.direction = DataDirection::read;
  read.buffers = {&in, 1};
  const CommandResult r = run(io, execute_with_retries(*o.session, read));
  CHECK_FALSE(r.ec);
  CHECK(r.data_in_bytes == data.size());
  CHECK(back == data);
  CHECK(o.session->info().counters.digest_errors == 0);
  CHECK(o.session->info().recovery.connection_failures == 0);
  CHECK_FALSE(run(io, o.session->logout()));
  test::drain(io);
}

TEST_CASE("tgtd: login redirection", "[.integration][login]") {
  SKIP_WITHOUT_TGTD();
  // tgt does not redirect to the address a connection came in on: the real target listens
  // on another loopback address.
  test::TgtdOptions real_options;
  real_options.address = "127.0.0.2";
  Tgtd real(real_options);
  test::TgtdOptions options;
  options.target_name = real.target_name();
  options.parameters = {{"RedirectAddress", "127.0.0.2"},
                        {"RedirectPort", std::to_string(real.port())},
                        {"RedirectReason", "Temporary"}};
  Tgtd forwarder(options);
  asio::io_context io;
  SessionConfig config = config_for(forwarder);
  SessionOpen o = open_session(io, config);
  INFO(o.error);
  REQUIRE(o.session);
  CHECK(o.session->info().portal == Portal{"127.0.0.2", real.port()});
  CHECK_FALSE(read_capacity(io, *o.session).ec);

  // A redirection to ourselves forever ends at max_redirects.
  config.max_redirects = 0;
  const SessionOpen refused = open_session(io, config);
  CHECK(refused.ec == errc::too_many_redirects);
  CHECK_FALSE(run(io, o.session->logout()));
  test::drain(io);
}

}  // namespace uiscsi::initiator
