// Whole logins: an initiator Negotiator against a target Negotiator, their text carried
// through the real codec (serialized, cut into segments of the receiver's
// MaxRecvDataSegmentLength with the C bit, joined and parsed again). Both sides must reach
// the same session parameters, and mirrored connection limits.
#include <catch2/catch.hpp>

#include <cstddef>
#include <vector>

#include "iscsi/negotiation.h"
#include "iscsi/text.h"
#include "iscsi/text_continuation.h"

using namespace uiscsi::iscsi;

namespace {

constexpr LoginStage kSecurity = LoginStage::security_negotiation;
constexpr LoginStage kOperational = LoginStage::login_operational_negotiation;
constexpr LoginStage kFullFeature = LoginStage::full_feature_phase;

constexpr const char* kInitiatorName = "iqn.1994-05.com.redhat:host1";
constexpr const char* kTargetName = "iqn.2024-01.org.example:disk1";

NegotiatorConfig initiator_config(SessionType type = SessionType::normal) {
  NegotiatorConfig c;
  c.role = Role::initiator;
  c.session_type = type;
  c.local.initiator_name = kInitiatorName;
  c.local.initiator_alias = "host1";
  c.local.target_name = kTargetName;
  return c;
}

NegotiatorConfig target_config(SessionType type = SessionType::normal) {
  NegotiatorConfig c;
  c.role = Role::target;
  c.session_type = type;
  c.local.target_alias = "disk one";
  c.local.target_portal_group_tag = 1;
  return c;
}

// What the text looks like after a trip over the wire.
TextPairs carry(const TextPairs& pairs, std::size_t max_segment) {
  std::vector<std::byte> wire;
  REQUIRE_FALSE(serialize_text(pairs, wire));
  std::vector<TextSegment> segments;
  REQUIRE_FALSE(split_text(wire, max_segment, segments));
  TextAccumulator accumulator;
  for (const TextSegment& s : segments) REQUIRE_FALSE(accumulator.append(s.data, s.continued));
  TextPairs received;
  REQUIRE_FALSE(accumulator.take(received));
  return received;
}

struct Login {
  NegotiatedParams initiator;
  NegotiatedParams target;
  std::error_code initiator_error;
  std::error_code target_error;
  int exchanges = 0;  // request/response pairs
};

// The login layer's part, reduced to the text: per stage, the initiator offers; the target
// answers and offers; the initiator answers; until the initiator has nothing left to send.
Login run_login(const NegotiatorConfig& initiator_cfg, const NegotiatorConfig& target_cfg,
                bool security_stage, std::size_t max_segment = 8192) {
  Login login;
  Negotiator initiator(initiator_cfg);
  Negotiator target(target_cfg);
  std::vector<LoginStage> stages;
  if (security_stage) stages.push_back(kSecurity);
  stages.push_back(kOperational);
  for (const LoginStage stage : stages) {
    TextPairs request;
    REQUIRE_FALSE(initiator.offer(stage, request));
    while (!request.empty()) {
      REQUIRE(++login.exchanges < 10);  // a login converges in a few exchanges
      Exchange at_target;
      if (auto ec = target.receive(carry(request, max_segment), stage, at_target)) {
        login.target_error = ec;
        return login;
      }
      REQUIRE_FALSE(target.offer(stage, at_target.reply));
      Exchange at_initiator;
      if (auto ec = initiator.receive(carry(at_target.reply, max_segment), stage, at_initiator)) {
        login.initiator_error = ec;
        return login;
      }
      REQUIRE_FALSE(initiator.offer(stage, at_initiator.reply));
      request = std::move(at_initiator.reply);
    }
    CHECK_FALSE(initiator.awaiting_answers());
    CHECK_FALSE(target.awaiting_answers());
  }
  login.initiator_error = initiator.result(login.initiator);
  login.target_error = target.result(login.target);
  return login;
}

void check_agreement(const Login& login) {
  REQUIRE_FALSE(login.initiator_error);
  REQUIRE_FALSE(login.target_error);
  CHECK(login.initiator.session == login.target.session);
  const ConnectionParams& i = login.initiator.connection;
  const ConnectionParams& t = login.target.connection;
  CHECK(i.auth_method == t.auth_method);
  CHECK(i.header_digest == t.header_digest);
  CHECK(i.data_digest == t.data_digest);
  CHECK(i.max_recv_data_segment_length == t.max_send_data_segment_length);
  CHECK(i.max_send_data_segment_length == t.max_recv_data_segment_length);
  CHECK(i.target_recv_data_segment_length == t.target_recv_data_segment_length);
  CHECK(i.initiator_recv_data_segment_length == t.initiator_recv_data_segment_length);
}

SessionParams expected_identity() {
  SessionParams s;
  s.initiator_name = kInitiatorName;
  s.initiator_alias = "host1";
  s.target_name = kTargetName;
  s.target_alias = "disk one";
  s.target_portal_group_tag = 1;
  return s;
}

}  // namespace

TEST_CASE("login: defaults on both sides give the RFC defaults", "[negotiation][login]") {
  const Login login = run_login(initiator_config(), target_config(), true);
  check_agreement(login);
  CHECK(login.exchanges == 2);                            // one per stage
  CHECK(login.initiator.session == expected_identity());  // every other field at its default
  CHECK(login.initiator.connection == ConnectionParams{});
}

TEST_CASE("login: a tuned initiator against a tuned target", "[negotiation][login]") {
  NegotiatorConfig ic = initiator_config();
  ic.local.header_digests = {DigestType::crc32c, DigestType::none};
  ic.local.data_digests = {DigestType::crc32c, DigestType::none};
  ic.local.max_recv_data_segment_length = 262144;
  ic.local.max_burst_length = 16776192;
  ic.local.first_burst_length = 262144;
  ic.local.initial_r2t = false;
  ic.local.default_time2retain = 0;
  NegotiatorConfig tc = target_config();
  tc.local.header_digests = {DigestType::none, DigestType::crc32c};
  tc.local.data_digests = {DigestType::none};
  tc.local.max_recv_data_segment_length = 65536;
  tc.local.max_burst_length = 1048576;
  tc.local.initial_r2t = false;
  tc.local.max_connections = 8;
  tc.local.error_recovery_level = ErrorRecoveryLevel::digest;
  tc.local.default_time2wait = 4;
  tc.local.default_time2retain = 60;
  tc.local.max_outstanding_r2t = 16;
  tc.local.task_reporting = {TaskReporting::fast_abort, TaskReporting::rfc3720};

  SessionParams expected = expected_identity();
  expected.initial_r2t = false;                      // OR of No and No
  expected.max_burst_length = 1048576;               // minimum
  expected.first_burst_length = 65536;               // minimum
  expected.default_time2wait = 4;                    // maximum
  expected.default_time2retain = 0;                  // minimum
  expected.max_connections = 1;                      // minimum
  expected.task_reporting = TaskReporting::rfc3720;  // the initiator knows only RFC3720

  for (const std::size_t segment :
       {std::size_t{1}, std::size_t{7}, std::size_t{512}, std::size_t{8192}}) {
    INFO("segment size " << segment);
    const Login login = run_login(ic, tc, true, segment);
    check_agreement(login);
    CHECK(login.exchanges == 3);  // the target's TaskReporting proposal needs one more
    CHECK(login.initiator.session == expected);
    const ConnectionParams& c = login.initiator.connection;
    CHECK(c.header_digest == DigestType::crc32c);  // the proposer's order wins
    CHECK(c.data_digest == DigestType::none);
    CHECK(c.max_recv_data_segment_length == 262144);
    CHECK(c.max_send_data_segment_length == 65536);
    CHECK(c.digests() == DigestConfig{true, false});
  }
}

TEST_CASE("login: the target turns immediate data off", "[negotiation][login]") {
  NegotiatorConfig tc = target_config();
  tc.local.immediate_data = false;
  const Login login = run_login(initiator_config(), tc, false);
  check_agreement(login);
  CHECK_FALSE(login.target.session.immediate_data);
  CHECK(login.target.session.initial_r2t);
  CHECK_FALSE(login.target.session.unsolicited_data_allowed());
}

TEST_CASE("login: CHAP is agreed on in the security stage", "[negotiation][login]") {
  NegotiatorConfig ic = initiator_config();
  ic.local.auth_methods = {AuthMethod::chap, AuthMethod::none};
  NegotiatorConfig tc = target_config();
  tc.local.auth_methods = {AuthMethod::chap};
  const Login login = run_login(ic, tc, true);
  check_agreement(login);
  CHECK(login.target.connection.auth_method == AuthMethod::chap);
}

TEST_CASE("login: a target that requires digests the initiator refuses", "[negotiation][login]") {
  NegotiatorConfig tc = target_config();
  tc.local.header_digests = {DigestType::crc32c};
  const Login login = run_login(initiator_config(), tc, true);
  // The target answered Reject; None stays, which it cannot accept: it fails the login.
  CHECK_FALSE(login.initiator_error);
  CHECK(login.target_error == negotiation_errc::unacceptable_result);
}

TEST_CASE("login: discovery session, then SendTargets", "[negotiation][login]") {
  NegotiatorConfig ic = initiator_config(SessionType::discovery);
  ic.local.max_burst_length = 1048576;  // irrelevant in discovery, never offered
  NegotiatorConfig tc = target_config(SessionType::discovery);
  Negotiator initiator(ic);
  Negotiator target(tc);
  TextPairs request;
  REQUIRE_FALSE(initiator.offer(kOperational, request));
  Exchange at_target;
  REQUIRE_FALSE(target.receive(carry(request, 8192), kOperational, at_target));
  REQUIRE_FALSE(target.offer(kOperational, at_target.reply));
  Exchange at_initiator;
  REQUIRE_FALSE(initiator.receive(carry(at_target.reply, 8192), kOperational, at_initiator));
  REQUIRE_FALSE(initiator.offer(kOperational, at_initiator.reply));
  CHECK(at_initiator.reply.empty());

  NegotiatedParams ip, tp;
  REQUIRE_FALSE(initiator.result(ip));
  REQUIRE_FALSE(target.result(tp));
  CHECK(ip.session == tp.session);
  CHECK(ip.session.session_type == SessionType::discovery);
  CHECK(ip.session.max_connections == 1);
  CHECK(ip.session.max_burst_length == 262144);
  CHECK(ip.session.target_name.empty());

  // Full Feature Phase: the application answers SendTargets with many keys.
  Exchange text;
  REQUIRE_FALSE(target.receive(carry({{"SendTargets", "All"}}, 8192), kFullFeature, text));
  CHECK(text.application == TextPairs{{"SendTargets", "All"}});
  TextPairs response;
  for (int t = 0; t < 200; ++t) {
    response.push_back({"TargetName", "iqn.2024-01.org.example:disk" + std::to_string(t)});
    response.push_back({"TargetAddress", "10.0.0.1:3260,1"});
    response.push_back({"TargetAddress", "[fe80::1]:3260,1"});
  }
  Exchange results;
  REQUIRE_FALSE(initiator.receive(carry(response, 8192), kFullFeature, results));
  CHECK(results.application == response);
}

TEST_CASE("login: iSER-assisted mode", "[negotiation][login]") {
  NegotiatorConfig ic = initiator_config();
  ic.local.rdma_extensions = true;
  ic.local.header_digests = {DigestType::crc32c, DigestType::none};
  ic.local.target_recv_data_segment_length = 131072;
  ic.local.initiator_recv_data_segment_length = 262144;
  ic.local.max_outstanding_unexpected_pdus = 16;
  NegotiatorConfig tc = target_config();
  tc.local.header_digests = {DigestType::crc32c, DigestType::none};
  tc.local.target_recv_data_segment_length = 262144;
  tc.local.initiator_recv_data_segment_length = 65536;
  tc.local.max_outstanding_unexpected_pdus = 64;

  SECTION("both sides want it") {
    tc.local.rdma_extensions = true;
    const Login login = run_login(ic, tc, true);
    check_agreement(login);
    CHECK(login.exchanges == 2);
    const SessionParams& s = login.initiator.session;
    CHECK(s.rdma_extensions);
    CHECK(s.initiator_max_outstanding_unexpected_pdus == 16);
    CHECK(s.target_max_outstanding_unexpected_pdus == 64);
    const ConnectionParams& c = login.initiator.connection;
    CHECK(c.header_digest == DigestType::none);  // RFC 7145 6.1
    CHECK(c.target_recv_data_segment_length == 131072);
    CHECK(c.initiator_recv_data_segment_length == 65536);
    CHECK(c.max_recv_data_segment_length == 65536);
    CHECK(c.max_send_data_segment_length == 131072);
  }
  SECTION("the target refuses it: back to digests and MaxRecvDataSegmentLength") {
    const Login login = run_login(ic, tc, true);
    check_agreement(login);
    CHECK(login.exchanges == 3);  // the digests follow once RDMAExtensions=No is known
    const SessionParams& s = login.initiator.session;
    CHECK_FALSE(s.rdma_extensions);
    // Declared before the answer came, but irrelevant without iSER.
    CHECK(s.initiator_max_outstanding_unexpected_pdus == 0);
    CHECK(s.target_max_outstanding_unexpected_pdus == 0);
    const ConnectionParams& c = login.initiator.connection;
    CHECK(c.header_digest == DigestType::crc32c);
    CHECK(c.max_recv_data_segment_length == 8192);
    CHECK(c.max_send_data_segment_length == 8192);
  }
}

TEST_CASE("login: a second connection joins the session", "[negotiation][login]") {
  NegotiatorConfig ic = initiator_config();
  ic.local.max_connections = 4;
  ic.local.max_burst_length = 1048576;
  ic.local.header_digests = {DigestType::crc32c};
  NegotiatorConfig tc = target_config();
  tc.local.max_connections = 4;
  tc.local.max_burst_length = 1048576;
  tc.local.header_digests = {DigestType::crc32c, DigestType::none};
  const Login leading = run_login(ic, tc, true);
  check_agreement(leading);
  CHECK(leading.initiator.session.max_connections == 4);

  ic.existing_session = leading.initiator.session;
  tc.existing_session = leading.target.session;
  ic.local.max_recv_data_segment_length = 65536;
  const Login second = run_login(ic, tc, true);
  check_agreement(second);
  CHECK(second.initiator.session == leading.initiator.session);
  CHECK(second.initiator.connection.header_digest == DigestType::crc32c);
  CHECK(second.target.connection.max_send_data_segment_length == 65536);
}
