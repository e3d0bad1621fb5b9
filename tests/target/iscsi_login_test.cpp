// Login over the loopback transport: the security and operational stages, CHAP (one-way and
// mutual), and every refusal RFC 7143 11.13.5 names for what an initiator can get wrong.
#include "iscsi_test_support.h"

using namespace uiscsi;
using namespace uiscsi::target::iscsit;
using namespace uiscsi::target::iscsit::test;
using iscsi::LoginStatus;

namespace {

const iscsi::ChapCredentials kHost = iscsi::ChapCredentials::from_text("host", "host-secret-0123");
const iscsi::ChapCredentials kDisk = iscsi::ChapCredentials::from_text("disk", "disk-secret-4567");

Config chap_config(bool mutual) {
  Config c = make_config();
  c.targets[0].chap.initiator = ChapCredentials{"host", "host-secret-0123"};
  if (mutual) c.targets[0].chap.mutual = ChapCredentials{"disk", "disk-secret-4567"};
  return c;
}

// A Login Request carrying `pairs`, as the first of a login.
asio::awaitable<offload::Received> raw_login(Initiator& i, const iscsi::TextPairs& pairs,
                                             iscsi::LoginStage csg = iscsi::LoginStage::security_negotiation,
                                             std::uint8_t version_min = 0, std::uint16_t tsih = 0) {
  iscsi::LoginRequest req;
  req.transit = true;
  req.csg = csg;
  req.nsg = csg == iscsi::LoginStage::security_negotiation ? iscsi::LoginStage::login_operational_negotiation
                                                           : iscsi::LoginStage::full_feature_phase;
  req.version_min = version_min;
  req.isid = {0x80, 0, 0, 1, 0, 1};
  req.tsih = tsih;
  req.initiator_task_tag = 7;
  req.cmd_sn = 1;
  std::vector<std::byte> data;
  REQUIRE(!iscsi::serialize_text(pairs, data));
  const auto ec = co_await i.send(req.encode(), data);
  REQUIRE(!ec);
  co_return co_await i.receive();
}

LoginStatus status_of(const offload::Received& r) {
  REQUIRE(!r.ec);
  REQUIRE(r.pdu.bhs.opcode() == iscsi::Opcode::login_response);
  const auto resp = iscsi::LoginResponse::decode(r.pdu.bhs);
  return iscsi::make_login_status(resp.status_class, resp.status_detail);
}

}  // namespace

TEST_CASE("Login without authentication reaches Full Feature Phase", "[iscsi][login]") {
  Harness h;
  h.run([&]() -> asio::awaitable<int> {
    Initiator i(h.connect());
    const LoginResult r = co_await i.login();
    REQUIRE(!r.error);
    REQUIRE(r.status == LoginStatus::success);
    CHECK(r.tsih != 0);
    // RFC 7143 11.13.4: StatSN rises by one per response, starting anywhere.
    for (std::size_t n = 1; n < r.responses.size(); ++n) {
      CHECK(r.responses[n].stat_sn == r.responses[n - 1].stat_sn + 1);
    }
    // The target declared its portal group and alias in the first response of a normal session.
    CHECK(r.params.session.target_portal_group_tag == std::optional<std::uint16_t>(1));
    CHECK(r.params.session.target_alias == "test disk");
    // Negotiated within the target's limits.
    CHECK(r.params.session.max_burst_length == 65536);
    CHECK(r.params.session.first_burst_length == 16384);
    CHECK(r.params.session.max_outstanding_r2t == 4);
    CHECK(r.params.session.error_recovery_level == iscsi::ErrorRecoveryLevel::session);
    CHECK(r.params.connection.max_send_data_segment_length == 262144);
    // The final response opens the command window at the login's CmdSN.
    CHECK(r.responses.back().exp_cmd_sn == 1);
    CHECK(iscsi::serial_ge(r.responses.back().max_cmd_sn, 1));

    const auto sessions = h.server().sessions();
    REQUIRE(sessions.size() == 1);
    CHECK(sessions[0].initiator_name == kInitiatorName);
    CHECK(sessions[0].target_name == kTargetName);
    CHECK(sessions[0].tsih == r.tsih);
    CHECK(sessions[0].target_portal_group_tag == 1);
    REQUIRE(sessions[0].connections.size() == 1);
    CHECK(sessions[0].connections[0].cid == 1);
    CHECK(sessions[0].connections[0].state == ConnectionState::full_feature);
    CHECK(sessions[0].connections[0].path.in_use == offload::Path::tcp);
    CHECK(sessions[0].connections[0].counters.pdus_received >= 2);

    const auto tur = co_await i.test_unit_ready();
    REQUIRE(tur.completed);
    co_return 0;
  }());
}

TEST_CASE("Login with CHAP, one-way and mutual", "[iscsi][login][chap]") {
  const bool mutual = GENERATE(false, true);
  Harness h(chap_config(mutual));
  h.run([&]() -> asio::awaitable<int> {
    Initiator i(h.connect());
    LoginOptions o;
    o.chap = kHost;
    if (mutual) o.mutual = kDisk;
    const LoginResult r = co_await i.login(o);
    INFO(r.error.message());
    REQUIRE(!r.error);
    REQUIRE(r.status == LoginStatus::success);
    CHECK(r.params.connection.auth_method == iscsi::AuthMethod::chap);
    const auto tur = co_await i.test_unit_ready();
    CHECK(tur.completed);
    co_return 0;
  }());
}

TEST_CASE("CHAP failures are authentication failures", "[iscsi][login][chap]") {
  SECTION("wrong secret") {
    Harness h(chap_config(false));
    h.run([&]() -> asio::awaitable<int> {
      Initiator i(h.connect());
      LoginOptions o;
      o.chap = iscsi::ChapCredentials::from_text("host", "not-the-secret!!");
      const LoginResult r = co_await i.login(o);
      CHECK(r.status == LoginStatus::authentication_failure);
      co_return 0;
    }());
  }
  SECTION("wrong name") {
    Harness h(chap_config(false));
    h.run([&]() -> asio::awaitable<int> {
      Initiator i(h.connect());
      LoginOptions o;
      o.chap = iscsi::ChapCredentials::from_text("intruder", "host-secret-0123");
      const LoginResult r = co_await i.login(o);
      CHECK(r.status == LoginStatus::authentication_failure);
      co_return 0;
    }());
  }
  SECTION("mutual CHAP asked of a target without mutual credentials") {
    Harness h(chap_config(false));
    h.run([&]() -> asio::awaitable<int> {
      Initiator i(h.connect());
      LoginOptions o;
      o.chap = kHost;
      o.mutual = kDisk;
      const LoginResult r = co_await i.login(o);
      CHECK(r.status == LoginStatus::authentication_failure);
      co_return 0;
    }());
  }
  SECTION("AuthMethod=None where CHAP is required") {
    Harness h(chap_config(false));
    h.run([&]() -> asio::awaitable<int> {
      Initiator i(h.connect());
      const LoginResult r = co_await i.login();
      CHECK(r.status == LoginStatus::authentication_failure);
      co_return 0;
    }());
  }
  SECTION("skipping the security stage where CHAP is required") {
    Harness h(chap_config(false));
    h.run([&]() -> asio::awaitable<int> {
      Initiator i(h.connect());
      const iscsi::TextPairs pairs1 = {{"InitiatorName", kInitiatorName}, {"TargetName", kTargetName}};
      const auto r = co_await raw_login(i, pairs1,
                                        iscsi::LoginStage::login_operational_negotiation);
      CHECK(status_of(r) == LoginStatus::authentication_failure);
      co_return 0;
    }());
  }
}

TEST_CASE("A reflected CHAP challenge is refused", "[iscsi][login][chap]") {
  Harness h(chap_config(true));
  h.run([&]() -> asio::awaitable<int> {
    Initiator i(h.connect());
    // AuthMethod, then CHAP_A, by hand.
    const iscsi::TextPairs pairs2 = {{"InitiatorName", kInitiatorName},
                                    {"TargetName", kTargetName},
                                    {"AuthMethod", "CHAP"}};
    auto r = co_await raw_login(i, pairs2);
    REQUIRE(status_of(r) == LoginStatus::success);
    iscsi::LoginRequest req;
    req.csg = iscsi::LoginStage::security_negotiation;
    req.isid = {0x80, 0, 0, 1, 0, 1};
    req.initiator_task_tag = 7;
    req.cmd_sn = 1;
    std::vector<std::byte> data;
    REQUIRE(!iscsi::serialize_text(iscsi::TextPairs{{"CHAP_A", "5"}}, data));
    {
      const std::error_code sent = co_await i.send(req.encode(), data);
      REQUIRE(!sent);
    }
    r = co_await i.receive();
    REQUIRE(status_of(r) == LoginStatus::success);
    iscsi::TextPairs challenge;
    REQUIRE(!iscsi::parse_text(r.pdu.data, challenge));
    const auto* c = iscsi::find_pair(challenge, "CHAP_C");
    const auto* id = iscsi::find_pair(challenge, "CHAP_I");
    REQUIRE(c);
    REQUIRE(id);
    // Answer correctly, but challenge the target with its own challenge.
    std::vector<std::byte> chal;
    REQUIRE(!iscsi::parse_binary(c->value, chal));
    std::vector<std::byte> response;
    REQUIRE(!iscsi::chap_response(iscsi::ChapAlgorithm::md5, static_cast<std::uint8_t>(std::stoi(id->value)),
                                  kHost.secret, chal, response));
    data.clear();
    REQUIRE(!iscsi::serialize_text(iscsi::TextPairs{{"CHAP_N", "host"},
                                    {"CHAP_R", iscsi::format_hex(response)},
                                    {"CHAP_I", "1"},
                                    {"CHAP_C", c->value}},
                                   data));
    req.transit = true;
    req.nsg = iscsi::LoginStage::login_operational_negotiation;
    {
      const std::error_code sent = co_await i.send(req.encode(), data);
      REQUIRE(!sent);
    }
    r = co_await i.receive();
    CHECK(status_of(r) == LoginStatus::authentication_failure);
    co_return 0;
  }());
}

TEST_CASE("Login refusals (RFC 7143 11.13.5)", "[iscsi][login]") {
  Config c = make_config();
  c.targets[0].allowed_initiators = {kInitiatorName};
  Harness h(c);
  h.run([&]() -> asio::awaitable<int> {
    {
      Initiator i(h.connect());
      const iscsi::TextPairs pairs3 = {{"TargetName", kTargetName}};
      const auto r = co_await raw_login(i, pairs3);
      CHECK(status_of(r) == LoginStatus::missing_parameter);  // no InitiatorName
    }
    {
      Initiator i(h.connect());
      const iscsi::TextPairs pairs4 = {{"InitiatorName", kInitiatorName}};
      const auto r = co_await raw_login(i, pairs4);
      CHECK(status_of(r) == LoginStatus::missing_parameter);  // no TargetName, normal session
    }
    {
      Initiator i(h.connect());
      const iscsi::TextPairs pairs5 = {{"InitiatorName", kInitiatorName},
                                            {"TargetName", "iqn.2024-01.org.uiscsi:nothing"}};
      const auto r = co_await raw_login(i, pairs5);
      CHECK(status_of(r) == LoginStatus::not_found);
    }
    {
      Initiator i(h.connect());
      const iscsi::TextPairs pairs6 = {{"InitiatorName", "iqn.2024-01.org.uiscsi:stranger"},
                                            {"TargetName", kTargetName}};
      const auto r = co_await raw_login(i, pairs6);
      CHECK(status_of(r) == LoginStatus::authorization_failure);  // ACL
    }
    {
      Initiator i(h.connect());
      const iscsi::TextPairs pairs7 = {{"InitiatorName", kInitiatorName}, {"TargetName", kTargetName}};
      const auto r = co_await raw_login(i, pairs7,
                                        iscsi::LoginStage::security_negotiation, 1);
      CHECK(status_of(r) == LoginStatus::unsupported_version);
    }
    {
      Initiator i(h.connect());
      const iscsi::TextPairs pairs8 = {{"InitiatorName", kInitiatorName}, {"TargetName", kTargetName}};
      const auto r = co_await raw_login(i, pairs8,
                                        iscsi::LoginStage::security_negotiation, 0, 0x7777);
      CHECK(status_of(r) == LoginStatus::session_does_not_exist);
    }
    {
      Initiator i(h.connect());
      const iscsi::TextPairs pairs9 = {{"InitiatorName", kInitiatorName}, {"SessionType", "Sideways"}};
      const auto r = co_await raw_login(i, pairs9);
      CHECK(iscsi::status_class(status_of(r)) == 2);
    }
    {
      // A refused login closes the connection.
      Initiator i(h.connect());
      const iscsi::TextPairs pairs10 = {{"TargetName", kTargetName}};
      (void)co_await raw_login(i, pairs10);
      const auto after = co_await i.receive(2s);
      CHECK(after.ec == offload::errc::closed);
    }
    // And the server still takes logins.
    Initiator i(h.connect());
    const LoginResult r = co_await i.login();
    CHECK(r.status == LoginStatus::success);
    co_return 0;
  }());
}

TEST_CASE("A PDU other than Login during the Login Phase is refused", "[iscsi][login]") {
  Harness h;
  h.run([&]() -> asio::awaitable<int> {
    Initiator i(h.connect());
    iscsi::NopOut n;
    n.immediate = true;
    n.initiator_task_tag = 1;
    {
      const std::error_code sent = co_await i.send(n.encode());
      REQUIRE(!sent);
    }
    const auto r = co_await i.receive();
    CHECK(status_of(r) == LoginStatus::invalid_during_login);
    co_return 0;
  }());
}

TEST_CASE("Login text split across PDUs with the C bit", "[iscsi][login]") {
  Harness h;
  h.run([&]() -> asio::awaitable<int> {
    Initiator i(h.connect());
    std::vector<std::byte> text;
    REQUIRE(!iscsi::serialize_text(iscsi::TextPairs{{"InitiatorName", kInitiatorName},
                                    {"TargetName", kTargetName},
                                    {"AuthMethod", "None"}},
                                   text));
    const std::size_t cut = 20;  // inside the InitiatorName value
    iscsi::LoginRequest req;
    req.csg = iscsi::LoginStage::security_negotiation;
    req.isid = {0x80, 0, 0, 1, 0, 2};
    req.initiator_task_tag = 9;
    req.cmd_sn = 1;
    req.continue_ = true;
    {
      const std::error_code sent = co_await i.send(req.encode(), std::span(text).first(cut));
      REQUIRE(!sent);
    }
    auto r = co_await i.receive();
    REQUIRE(status_of(r) == LoginStatus::success);
    CHECK(r.pdu.data.empty());  // an empty answer to a C=1 request
    CHECK(!iscsi::LoginResponse::decode(r.pdu.bhs).transit);
    req.continue_ = false;
    req.transit = true;
    req.nsg = iscsi::LoginStage::login_operational_negotiation;
    {
      const std::error_code sent = co_await i.send(req.encode(), std::span(text).subspan(cut));
      REQUIRE(!sent);
    }
    r = co_await i.receive();
    REQUIRE(status_of(r) == LoginStatus::success);
    const auto resp = iscsi::LoginResponse::decode(r.pdu.bhs);
    CHECK(resp.transit);
    CHECK(resp.nsg == iscsi::LoginStage::login_operational_negotiation);
    co_return 0;
  }());
}
