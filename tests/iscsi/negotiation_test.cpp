// The Negotiator against hand-written peers: answers, irrelevance, rejection, stage and
// sender rules, duplicates, the proposer's checks, discovery, non-leading connections,
// Full Feature Phase and iSER keys.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "iscsi/keys.h"
#include "iscsi/negotiation.h"

using namespace uiscsi::iscsi;

namespace {

constexpr LoginStage kSecurity = LoginStage::security_negotiation;
constexpr LoginStage kOperational = LoginStage::login_operational_negotiation;
constexpr LoginStage kFullFeature = LoginStage::full_feature_phase;

constexpr const char* kInitiatorName = "iqn.1994-05.com.redhat:host1";
constexpr const char* kTargetName = "iqn.2024-01.org.example:disk1";

NegotiatorConfig target_config(SessionType type = SessionType::normal) {
  NegotiatorConfig c;
  c.role = Role::target;
  c.session_type = type;
  c.local.target_alias = "disk one";
  c.local.target_portal_group_tag = 1;
  return c;
}

NegotiatorConfig initiator_config(SessionType type = SessionType::normal) {
  NegotiatorConfig c;
  c.role = Role::initiator;
  c.session_type = type;
  c.local.initiator_name = kInitiatorName;
  c.local.target_name = kTargetName;
  return c;
}

// The declarations of a first Login Request.
TextPairs first_request(SessionType type = SessionType::normal) {
  TextPairs p{{"InitiatorName", kInitiatorName}};
  if (type == SessionType::normal) p.push_back({"TargetName", kTargetName});
  p.push_back({"SessionType", std::string(to_text(type))});
  return p;
}

Exchange receive_ok(Negotiator& n, const TextPairs& pairs, LoginStage stage) {
  Exchange ex;
  const std::error_code ec = n.receive(pairs, stage, ex);
  INFO(ec.message());
  REQUIRE_FALSE(ec);
  return ex;
}

std::error_code receive_error(Negotiator& n, const TextPairs& pairs, LoginStage stage) {
  Exchange ex;
  const std::error_code ec = n.receive(pairs, stage, ex);
  CHECK(ex.reply.empty());  // nothing is handed out on error
  CHECK(ex.auth.empty());
  CHECK(ex.application.empty());
  return ec;
}

// A target that has seen the first request and settled AuthMethod=None.
Negotiator logged_in_target(NegotiatorConfig config) {
  const SessionType type = config.session_type;
  Negotiator n(std::move(config));
  TextPairs request = first_request(type);
  request.push_back({"AuthMethod", "None"});
  receive_ok(n, request, kSecurity);
  return n;
}

// A legal answer to every proposal in `offers`: the offered value itself (the first value
// of a list). Declarations are not answered.
TextPairs echo_answers(const TextPairs& offers) {
  TextPairs answers;
  for (const TextPair& o : offers) {
    const KeyInfo* key = find_key(o.key);
    if (key == nullptr || key->rule == KeyRule::declarative) continue;
    answers.push_back({o.key, o.value.substr(0, o.value.find(','))});
  }
  return answers;
}

NegotiatedParams result_ok(const Negotiator& n) {
  NegotiatedParams p;
  const std::error_code ec = n.result(p);
  INFO(ec.message());
  REQUIRE_FALSE(ec);
  return p;
}

}  // namespace

TEST_CASE("negotiation: target answers an open-iscsi style login", "[negotiation]") {
  NegotiatorConfig config = target_config();
  config.local.header_digests = {DigestType::crc32c, DigestType::none};
  config.local.max_burst_length = 1048576;
  config.local.max_recv_data_segment_length = 262144;
  config.local.max_connections = 4;
  config.local.max_outstanding_r2t = 16;
  Negotiator target(config);

  TextPairs security = first_request();
  security.insert(security.begin() + 1, {"InitiatorAlias", "host1"});
  security.push_back({"AuthMethod", "None"});
  Exchange ex = receive_ok(target, security, kSecurity);
  CHECK(ex.reply == TextPairs{{"AuthMethod", "None"}});
  REQUIRE_FALSE(target.offer(kSecurity, ex.reply));
  CHECK(ex.reply == TextPairs{{"AuthMethod", "None"},
                              {"TargetAlias", "disk one"},
                              {"TargetPortalGroupTag", "1"}});
  CHECK(target.auth_method() == AuthMethod::none);

  const TextPairs operational{{"HeaderDigest", "None"},
                              {"DataDigest", "None"},
                              {"MaxRecvDataSegmentLength", "262144"},
                              {"MaxConnections", "1"},
                              {"InitialR2T", "No"},
                              {"ImmediateData", "Yes"},
                              {"MaxBurstLength", "16776192"},
                              {"FirstBurstLength", "262144"},
                              {"DefaultTime2Wait", "2"},
                              {"DefaultTime2Retain", "0"},
                              {"IFMarker", "No"},
                              {"OFMarker", "No"},
                              {"ErrorRecoveryLevel", "0"},
                              {"DataPDUInOrder", "Yes"},
                              {"DataSequenceInOrder", "Yes"},
                              {"MaxOutstandingR2T", "1"}};
  ex = receive_ok(target, operational, kOperational);
  CHECK(ex.reply == TextPairs{{"HeaderDigest", "None"},
                              {"DataDigest", "None"},
                              {"MaxConnections", "1"},
                              {"InitialR2T", "Yes"},
                              {"ImmediateData", "Yes"},
                              {"MaxBurstLength", "1048576"},
                              {"FirstBurstLength", "65536"},
                              {"DefaultTime2Wait", "2"},
                              {"DefaultTime2Retain", "0"},
                              {"IFMarker", "Reject"},
                              {"OFMarker", "Reject"},
                              {"ErrorRecoveryLevel", "0"},
                              {"DataPDUInOrder", "Yes"},
                              {"DataSequenceInOrder", "Yes"},
                              {"MaxOutstandingR2T", "1"}});
  TextPairs offers;
  REQUIRE_FALSE(target.offer(kOperational, offers));
  CHECK(offers == TextPairs{{"MaxRecvDataSegmentLength", "262144"}});
  CHECK_FALSE(target.awaiting_answers());

  const NegotiatedParams p = result_ok(target);
  CHECK(p.session.initiator_name == kInitiatorName);
  CHECK(p.session.initiator_alias == "host1");
  CHECK(p.session.target_name == kTargetName);
  CHECK(p.session.target_alias == "disk one");
  CHECK(p.session.target_portal_group_tag == 1);
  CHECK(p.session.initial_r2t);
  CHECK(p.session.immediate_data);
  CHECK(p.session.max_burst_length == 1048576);
  CHECK(p.session.first_burst_length == 65536);
  CHECK(p.session.default_time2retain == 0);
  CHECK(p.session.max_connections == 1);
  CHECK(p.connection.header_digest == DigestType::none);
  CHECK(p.connection.max_recv_data_segment_length == 262144);
  CHECK(p.connection.max_send_data_segment_length == 262144);
  CHECK(p.connection.digests() == DigestConfig{false, false});
}

TEST_CASE("negotiation: unknown and extension keys are answered NotUnderstood", "[negotiation]") {
  Negotiator target = logged_in_target(target_config());
  const Exchange ex = receive_ok(
      target, {{"X-com.example.feature", "1"}, {"X#NodeArchitecture", "Linux"}, {"FooBar", "x"}},
      kOperational);
  CHECK(ex.reply == TextPairs{{"X-com.example.feature", "NotUnderstood"},
                              {"X#NodeArchitecture", "NotUnderstood"},
                              {"FooBar", "NotUnderstood"}});
  // The same unknown key again during login is a renegotiation.
  CHECK(receive_error(target, {{"FooBar", "y"}}, kOperational) == negotiation_errc::duplicate_key);
}

TEST_CASE("negotiation: the obsolete marker keys are answered Reject", "[negotiation]") {
  Negotiator target = logged_in_target(target_config());
  const Exchange ex = receive_ok(target,
                                 {{"OFMarker", "Yes"},
                                  {"OFMarkInt", "2048~8192"},
                                  {"IFMarker", "No"},
                                  {"IFMarkInt", "1~65535"}},
                                 kOperational);
  CHECK(ex.reply == TextPairs{{"OFMarker", "Reject"},
                              {"OFMarkInt", "Reject"},
                              {"IFMarker", "Reject"},
                              {"IFMarkInt", "Reject"}});
  CHECK(receive_error(target, {{"IFMarker", "No"}}, kOperational) ==
        negotiation_errc::duplicate_key);
}

TEST_CASE("negotiation: inadmissible values are rejected and keep the default", "[negotiation]") {
  Negotiator target = logged_in_target(target_config());
  const Exchange ex = receive_ok(target,
                                 {{"MaxBurstLength", "100"},
                                  {"ErrorRecoveryLevel", "7"},
                                  {"ImmediateData", "maybe"},
                                  {"HeaderDigest", "MD5"},
                                  {"MaxConnections", "lots"}},
                                 kOperational);
  CHECK(ex.reply == TextPairs{{"MaxBurstLength", "Reject"},
                              {"ErrorRecoveryLevel", "Reject"},
                              {"ImmediateData", "Reject"},
                              {"HeaderDigest", "Reject"},
                              {"MaxConnections", "Reject"}});
  const NegotiatedParams p = result_ok(target);
  CHECK(p.session.max_burst_length == 262144);
  CHECK(p.session.error_recovery_level == ErrorRecoveryLevel::session);
  CHECK(p.session.immediate_data);
  CHECK(p.connection.header_digest == DigestType::none);
}

TEST_CASE("negotiation: answer constants are never proposed values", "[negotiation]") {
  for (const char* constant : {"Reject", "Irrelevant", "NotUnderstood"}) {
    INFO(constant);
    Negotiator target = logged_in_target(target_config());
    CHECK(receive_error(target, {{"MaxBurstLength", constant}}, kOperational) ==
          negotiation_errc::invalid_value);
    // The error is sticky.
    CHECK(target.error() == negotiation_errc::invalid_value);
    TextPairs out;
    CHECK(target.offer(kOperational, out) == negotiation_errc::invalid_value);
    CHECK(out.empty());
    NegotiatedParams p;
    CHECK(target.result(p) == negotiation_errc::invalid_value);
    CHECK(receive_error(target, {{"X-foo", "1"}}, kOperational) == negotiation_errc::invalid_value);
  }
  Negotiator target = logged_in_target(target_config());
  CHECK(receive_error(target, {{"X-foo", "Reject"}}, kOperational) ==
        negotiation_errc::invalid_value);
  Negotiator target2 = logged_in_target(target_config());
  CHECK(receive_error(target2, {{"MaxRecvDataSegmentLength", "NotUnderstood"}}, kOperational) ==
        negotiation_errc::invalid_value);
}

TEST_CASE("negotiation: discovery sessions answer Irrelevant for session keys", "[negotiation]") {
  Negotiator target = logged_in_target(target_config(SessionType::discovery));
  Exchange ex = receive_ok(target,
                           {{"HeaderDigest", "None"},
                            {"DataDigest", "None"},
                            {"MaxConnections", "1"},
                            {"InitialR2T", "No"},
                            {"ImmediateData", "Yes"},
                            {"MaxBurstLength", "16776192"},
                            {"FirstBurstLength", "262144"},
                            {"MaxOutstandingR2T", "1"},
                            {"DataPDUInOrder", "Yes"},
                            {"DataSequenceInOrder", "Yes"},
                            {"TaskReporting", "FastAbort"},
                            {"iSCSIProtocolLevel", "2"},
                            {"ErrorRecoveryLevel", "0"},
                            {"DefaultTime2Wait", "2"},
                            {"DefaultTime2Retain", "0"},
                            {"MaxRecvDataSegmentLength", "32768"}},
                           kOperational);
  CHECK(ex.reply == TextPairs{{"HeaderDigest", "None"},
                              {"DataDigest", "None"},
                              {"MaxConnections", "Irrelevant"},
                              {"InitialR2T", "Irrelevant"},
                              {"ImmediateData", "Irrelevant"},
                              {"MaxBurstLength", "Irrelevant"},
                              {"FirstBurstLength", "Irrelevant"},
                              {"MaxOutstandingR2T", "Irrelevant"},
                              {"DataPDUInOrder", "Irrelevant"},
                              {"DataSequenceInOrder", "Irrelevant"},
                              {"TaskReporting", "Irrelevant"},
                              {"iSCSIProtocolLevel", "Irrelevant"},
                              {"ErrorRecoveryLevel", "0"},
                              {"DefaultTime2Wait", "2"},
                              {"DefaultTime2Retain", "0"}});
  // No alias and no portal group tag in a discovery session.
  TextPairs offers;
  REQUIRE_FALSE(target.offer(kOperational, offers));
  CHECK(offers == TextPairs{{"MaxRecvDataSegmentLength", "8192"}});
  const NegotiatedParams p = result_ok(target);
  CHECK(p.session.session_type == SessionType::discovery);
  CHECK(p.session.max_connections == 1);
  CHECK(p.session.target_name.empty());
  CHECK(p.session.default_time2retain == 0);
  CHECK(p.connection.max_send_data_segment_length == 32768);
}

TEST_CASE("negotiation: the initiator offers only what a discovery session needs",
          "[negotiation]") {
  NegotiatorConfig config = initiator_config(SessionType::discovery);
  config.local.max_burst_length = 1048576;
  Negotiator initiator(config);
  TextPairs offers;
  REQUIRE_FALSE(initiator.offer(kOperational, offers));
  CHECK(offers == TextPairs{{"InitiatorName", kInitiatorName},
                            {"SessionType", "Discovery"},
                            {"HeaderDigest", "None"},
                            {"DataDigest", "None"},
                            {"MaxRecvDataSegmentLength", "8192"},
                            {"DefaultTime2Wait", "2"},
                            {"DefaultTime2Retain", "20"},
                            {"ErrorRecoveryLevel", "0"}});
}

TEST_CASE("negotiation: SessionType must be the one the target expects", "[negotiation]") {
  Negotiator normal(target_config());
  CHECK(receive_error(normal, first_request(SessionType::discovery), kSecurity) ==
        negotiation_errc::session_type_mismatch);
  // No SessionType means Normal (RFC 7143 13.21).
  Negotiator discovery(target_config(SessionType::discovery));
  receive_ok(discovery, {{"InitiatorName", kInitiatorName}, {"AuthMethod", "None"}}, kSecurity);
  NegotiatedParams p;
  CHECK(discovery.result(p) == negotiation_errc::session_type_mismatch);
  Negotiator bad(target_config());
  CHECK(receive_error(bad, {{"SessionType", "Other"}}, kSecurity) ==
        negotiation_errc::invalid_value);
}

TEST_CASE("negotiation: keys may not be negotiated twice", "[negotiation]") {
  SECTION("twice in one text") {
    Negotiator target(target_config());
    CHECK(receive_error(target, {{"InitiatorName", "a"}, {"InitiatorName", "b"}}, kSecurity) ==
          negotiation_errc::duplicate_key);
  }
  SECTION("a declaration in a later text") {
    Negotiator target = logged_in_target(target_config());
    CHECK(receive_error(target, {{"InitiatorName", kInitiatorName}}, kOperational) ==
          negotiation_errc::duplicate_key);
  }
  SECTION("a negotiated key in a later text") {
    Negotiator target = logged_in_target(target_config());
    receive_ok(target, {{"MaxBurstLength", "65536"}}, kOperational);
    CHECK(receive_error(target, {{"MaxBurstLength", "65536"}}, kOperational) ==
          negotiation_errc::duplicate_key);
  }
  SECTION("a rejected key in a later text") {
    Negotiator target = logged_in_target(target_config());
    receive_ok(target, {{"MaxBurstLength", "1"}}, kOperational);
    CHECK(receive_error(target, {{"MaxBurstLength", "65536"}}, kOperational) ==
          negotiation_errc::duplicate_key);
  }
  SECTION("auth keys twice in one text") {
    Negotiator target(target_config());
    CHECK(receive_error(target, {{"CHAP_A", "5"}, {"CHAP_A", "5"}}, kSecurity) ==
          negotiation_errc::duplicate_key);
  }
  SECTION("redeclarable keys may come again in a later text, not in the same one") {
    Negotiator target = logged_in_target(target_config());
    receive_ok(target, {{"MaxRecvDataSegmentLength", "16384"}}, kOperational);
    receive_ok(target, {{"MaxRecvDataSegmentLength", "65536"}, {"InitiatorAlias", "h"}},
               kOperational);
    CHECK(result_ok(target).connection.max_send_data_segment_length == 65536);
    CHECK(receive_error(
              target, {{"MaxRecvDataSegmentLength", "4096"}, {"MaxRecvDataSegmentLength", "4096"}},
              kOperational) == negotiation_errc::duplicate_key);
  }
}

TEST_CASE("negotiation: keys out of their stage are protocol errors", "[negotiation]") {
  struct Case {
    const char* key;
    const char* value;
    LoginStage stage;
  };
  const Case cases[] = {
      {"MaxBurstLength", "65536", kSecurity},  // operational key before security is done
      {"HeaderDigest", "None", kSecurity},
      {"AuthMethod", "None", kOperational},  // security key after it
      {"CHAP_A", "5", kOperational},
      {"SendTargets", "All", kOperational},  // Full Feature Phase only
      {"SendTargets", "All", kSecurity},
      {"InitiatorName", "iqn.x", kFullFeature},  // initialize only
      {"HeaderDigest", "None", kFullFeature},
      {"MaxBurstLength", "65536", kFullFeature},
      {"CHAP_R", "0x00", kFullFeature},
      {"MaxRecvDataSegmentLength", "8192", kSecurity},
      {"MaxBurstLength", "65536", static_cast<LoginStage>(2)},  // the reserved stage
      {"InitiatorName", "iqn.x", static_cast<LoginStage>(200)},
  };
  for (const Case& c : cases) {
    INFO(c.key << " in stage " << static_cast<int>(c.stage));
    Negotiator target(target_config());
    CHECK(receive_error(target, {{c.key, c.value}}, c.stage) ==
          negotiation_errc::key_not_allowed_in_stage);
  }
  // The target sends TargetName only in SendTargets responses.
  Negotiator initiator(initiator_config());
  CHECK(receive_error(initiator, {{"TargetName", kTargetName}}, kSecurity) ==
        negotiation_errc::key_not_allowed_in_stage);
}

TEST_CASE("negotiation: keys from the wrong side are protocol errors", "[negotiation]") {
  for (const char* key : {"TargetAlias", "TargetAddress", "TargetPortalGroupTag"}) {
    INFO(key);
    Negotiator target(target_config());
    CHECK(receive_error(target, {{key, "1"}}, kSecurity) ==
          negotiation_errc::key_not_allowed_for_sender);
  }
  for (const char* key : {"InitiatorName", "InitiatorAlias", "SessionType"}) {
    INFO(key);
    Negotiator initiator(initiator_config());
    CHECK(receive_error(initiator, {{key, "Normal"}}, kSecurity) ==
          negotiation_errc::key_not_allowed_for_sender);
  }
  Negotiator initiator(initiator_config());
  CHECK(receive_error(initiator, {{"SendTargets", "All"}}, kFullFeature) ==
        negotiation_errc::key_not_allowed_for_sender);
}

TEST_CASE("negotiation: FirstBurstLength follows the keys it depends on, in any order",
          "[negotiation]") {
  NegotiatorConfig config = target_config();
  config.local.max_burst_length = 1048576;
  config.local.first_burst_length = 1048576;
  SECTION("InitialR2T=Yes and ImmediateData=No make it irrelevant (RFC 7143 13.14)") {
    Negotiator target = logged_in_target(config);
    const Exchange ex = receive_ok(
        target, {{"FirstBurstLength", "65536"}, {"InitialR2T", "Yes"}, {"ImmediateData", "No"}},
        kOperational);
    CHECK(ex.reply == TextPairs{{"FirstBurstLength", "Irrelevant"},
                                {"InitialR2T", "Yes"},
                                {"ImmediateData", "No"}});
    CHECK_FALSE(result_ok(target).session.unsolicited_data_allowed());
  }
  SECTION("it never exceeds MaxBurstLength") {
    Negotiator target = logged_in_target(config);
    const Exchange ex = receive_ok(
        target, {{"FirstBurstLength", "262144"}, {"MaxBurstLength", "16384"}}, kOperational);
    CHECK(ex.reply == TextPairs{{"FirstBurstLength", "16384"}, {"MaxBurstLength", "16384"}});
  }
  SECTION("a smaller MaxBurstLength negotiated later still caps it in the result") {
    Negotiator target = logged_in_target(config);
    receive_ok(target, {{"FirstBurstLength", "262144"}}, kOperational);
    receive_ok(target, {{"MaxBurstLength", "16384"}}, kOperational);
    const NegotiatedParams p = result_ok(target);
    CHECK(p.session.max_burst_length == 16384);
    CHECK(p.session.first_burst_length == 16384);
  }
}

TEST_CASE("negotiation: MaxOutstandingR2T is 1 with recovery and in-order sequences",
          "[negotiation]") {
  NegotiatorConfig config = target_config();
  config.local.error_recovery_level = ErrorRecoveryLevel::connection;
  config.local.max_outstanding_r2t = 8;
  Negotiator target = logged_in_target(config);
  receive_ok(target, {{"ErrorRecoveryLevel", "1"}, {"MaxOutstandingR2T", "4"}}, kOperational);
  NegotiatedParams p = result_ok(target);
  CHECK(p.session.error_recovery_level == ErrorRecoveryLevel::digest);
  CHECK(p.session.max_outstanding_r2t == 1);  // RFC 7143 13.19

  config.local.data_sequence_in_order = false;  // OR: both must say No
  Negotiator unordered = logged_in_target(config);
  receive_ok(
      unordered,
      {{"ErrorRecoveryLevel", "2"}, {"MaxOutstandingR2T", "4"}, {"DataSequenceInOrder", "No"}},
      kOperational);
  p = result_ok(unordered);
  CHECK(p.session.error_recovery_level == ErrorRecoveryLevel::connection);
  CHECK(p.session.max_outstanding_r2t == 4);
}

TEST_CASE("negotiation: the proposer refuses illegal answers", "[negotiation]") {
  struct Case {
    const char* key;
    const char* answer;
  };
  const Case cases[] = {
      {"HeaderDigest", "CRC32C"},                                     // not offered
      {"HeaderDigest", "None,CRC32C"}, {"MaxBurstLength", "262145"},  // above our offer
      {"DefaultTime2Wait", "1"},  // below our offer of a Maximum key
      {"ImmediateData", "maybe"},      {"ErrorRecoveryLevel", "x"},
  };
  for (const Case& c : cases) {
    INFO(c.key << "=" << c.answer);
    Negotiator initiator(initiator_config());
    TextPairs offers;
    REQUIRE_FALSE(initiator.offer(kOperational, offers));
    CHECK(receive_error(initiator, {{c.key, c.answer}}, kOperational) ==
          negotiation_errc::illegal_answer);
  }
}

TEST_CASE("negotiation: Reject, Irrelevant and NotUnderstood keep the default", "[negotiation]") {
  NegotiatorConfig config = initiator_config();
  config.local.max_burst_length = 65536;
  config.local.header_digests = {DigestType::crc32c, DigestType::none};
  config.local.task_reporting = {TaskReporting::fast_abort, TaskReporting::rfc3720};
  config.local.iscsi_protocol_level = 2;
  Negotiator initiator(config);
  TextPairs offers;
  REQUIRE_FALSE(initiator.offer(kOperational, offers));
  REQUIRE(find_pair(offers, "TaskReporting") != nullptr);  // not the default: offered
  CHECK(find_pair(offers, "TaskReporting")->value == "FastAbort,RFC3720");
  CHECK(find_pair(offers, "iSCSIProtocolLevel")->value == "2");
  CHECK(initiator.awaiting_answers());

  TextPairs answers;
  for (const TextPair& o : offers) {
    if (o.key == "MaxBurstLength")
      answers.push_back({o.key, "Reject"});
    else if (o.key == "HeaderDigest")
      answers.push_back({o.key, "Irrelevant"});
    else if (o.key == "TaskReporting" || o.key == "iSCSIProtocolLevel")
      answers.push_back({o.key, "NotUnderstood"});  // an RFC 3720 target
    else if (o.key != "InitiatorName" && o.key != "TargetName" && o.key != "SessionType" &&
             o.key != "MaxRecvDataSegmentLength")
      answers.push_back(o);  // echo: a legal answer for every other key we offer
  }
  const Exchange ex = receive_ok(initiator, answers, kOperational);
  CHECK(ex.reply.empty());
  CHECK_FALSE(initiator.awaiting_answers());
  const NegotiatedParams p = result_ok(initiator);
  CHECK(p.session.max_burst_length == 262144);
  CHECK(p.session.task_reporting == TaskReporting::rfc3720);
  CHECK(p.session.iscsi_protocol_level == 1);
  CHECK(p.connection.header_digest == DigestType::none);
}

TEST_CASE("negotiation: AND/No and OR/Yes need no answer", "[negotiation]") {
  NegotiatorConfig config = initiator_config();
  config.local.immediate_data = false;
  config.local.initial_r2t = true;
  Negotiator initiator(config);
  TextPairs offers;
  REQUIRE_FALSE(initiator.offer(kOperational, offers));
  CHECK(find_pair(offers, "ImmediateData")->value == "No");
  // InitialR2T=Yes with ImmediateData=No: no unsolicited data, FirstBurstLength not offered.
  CHECK(find_pair(offers, "FirstBurstLength") == nullptr);

  TextPairs answers;
  for (const TextPair& o : offers) {
    if (o.key == "ImmediateData" || o.key == "InitialR2T") continue;  // optional: omitted
    if (o.key == "InitiatorName" || o.key == "TargetName" || o.key == "SessionType" ||
        o.key == "MaxRecvDataSegmentLength")
      continue;
    answers.push_back(o);
  }
  receive_ok(initiator, answers, kOperational);
  CHECK_FALSE(initiator.awaiting_answers());
  NegotiatedParams p = result_ok(initiator);
  CHECK_FALSE(p.session.immediate_data);
  CHECK(p.session.initial_r2t);

  // An answer may still come, and must agree.
  receive_ok(initiator, {{"ImmediateData", "No"}}, kOperational);
  CHECK(receive_error(initiator, {{"InitialR2T", "No"}}, kOperational) ==
        negotiation_errc::illegal_answer);
}

TEST_CASE("negotiation: offers must be answered before the result", "[negotiation]") {
  Negotiator initiator(initiator_config());
  TextPairs offers;
  REQUIRE_FALSE(initiator.offer(kOperational, offers));
  receive_ok(initiator, {{"MaxRecvDataSegmentLength", "8192"}}, kOperational);
  CHECK(initiator.awaiting_answers());
  NegotiatedParams p;
  CHECK(initiator.result(p) == negotiation_errc::unanswered_offer);
  // A second offer() offers nothing new.
  TextPairs again;
  REQUIRE_FALSE(initiator.offer(kOperational, again));
  CHECK(again.empty());
}

TEST_CASE("negotiation: the number of keys is bounded", "[negotiation]") {
  NegotiatorConfig config = target_config();
  config.max_pairs = 3;
  config.max_unknown_keys = 2;
  Negotiator target(config);
  CHECK(receive_error(target, {{"A", "1"}, {"B", "1"}, {"C", "1"}, {"D", "1"}}, kSecurity) ==
        negotiation_errc::too_many_keys);
  Negotiator target2(config);
  receive_ok(target2, {{"A", "1"}, {"B", "1"}}, kSecurity);
  CHECK(receive_error(target2, {{"C", "1"}}, kSecurity) == negotiation_errc::too_many_keys);
}

TEST_CASE("negotiation: the security stage settles AuthMethod and passes CHAP keys on",
          "[negotiation]") {
  NegotiatorConfig config = target_config();
  config.local.auth_methods = {AuthMethod::chap};
  SECTION("CHAP selected") {
    Negotiator target(config);
    CHECK_FALSE(target.auth_method());
    TextPairs request = first_request();
    request.push_back({"AuthMethod", "KRB5,SRP,CHAP,None"});
    const Exchange ex = receive_ok(target, request, kSecurity);
    CHECK(ex.reply == TextPairs{{"AuthMethod", "CHAP"}});
    CHECK(target.auth_method() == AuthMethod::chap);
    const Exchange ex2 = receive_ok(target, {{"CHAP_A", "7,5"}}, kSecurity);
    CHECK(ex2.reply.empty());
    CHECK(ex2.auth == TextPairs{{"CHAP_A", "7,5"}});
    const Exchange ex3 = receive_ok(target, {{"CHAP_N", "user"}, {"CHAP_R", "0x0102"}}, kSecurity);
    CHECK(ex3.auth == TextPairs{{"CHAP_N", "user"}, {"CHAP_R", "0x0102"}});
    CHECK(result_ok(target).connection.auth_method == AuthMethod::chap);
  }
  SECTION("the initiator offers no method the target accepts") {
    Negotiator target(config);
    TextPairs request = first_request();
    request.push_back({"AuthMethod", "None"});
    const Exchange ex = receive_ok(target, request, kSecurity);
    CHECK(ex.reply == TextPairs{{"AuthMethod", "Reject"}});
    CHECK(target.auth_method() == AuthMethod::none);
    NegotiatedParams p;
    CHECK(target.result(p) == negotiation_errc::unacceptable_result);
  }
  SECTION("the initiator skips the security stage") {
    Negotiator target(config);
    receive_ok(target, first_request(), kOperational);
    NegotiatedParams p;
    CHECK(target.result(p) == negotiation_errc::unacceptable_result);
  }
}

TEST_CASE("negotiation: the target needs InitiatorName, and TargetName unless discovery",
          "[negotiation]") {
  NegotiatedParams p;
  Negotiator no_initiator(target_config());
  receive_ok(no_initiator, {{"TargetName", kTargetName}}, kSecurity);
  CHECK(no_initiator.result(p) == negotiation_errc::missing_key);
  Negotiator no_target(target_config());
  receive_ok(no_target, {{"InitiatorName", kInitiatorName}}, kSecurity);
  CHECK(no_target.result(p) == negotiation_errc::missing_key);
  Negotiator discovery(target_config(SessionType::discovery));
  receive_ok(discovery, first_request(SessionType::discovery), kSecurity);
  CHECK_FALSE(discovery.result(p));
}

TEST_CASE("negotiation: Full Feature Phase text", "[negotiation]") {
  SECTION("SendTargets goes to the application; MaxRecvDataSegmentLength is redeclared") {
    Negotiator target = logged_in_target(target_config());
    receive_ok(target, {{"MaxRecvDataSegmentLength", "16384"}}, kOperational);
    Exchange ex = receive_ok(target, {{"SendTargets", "All"}}, kFullFeature);
    CHECK(ex.application == TextPairs{{"SendTargets", "All"}});
    CHECK(ex.reply.empty());
    // Each Text Request is a negotiation of its own.
    ex = receive_ok(target, {{"SendTargets", ""}, {"X-vendor", "1"}}, kFullFeature);
    CHECK(ex.application == TextPairs{{"SendTargets", ""}});
    ex = receive_ok(target, {{"X-vendor", "1"}, {"MaxRecvDataSegmentLength", "65536"}},
                    kFullFeature);
    CHECK(ex.reply == TextPairs{{"X-vendor", "NotUnderstood"}});
    CHECK(result_ok(target).connection.max_send_data_segment_length == 65536);
  }
  SECTION("the initiator gets a SendTargets response with repeated keys") {
    Negotiator initiator(initiator_config(SessionType::discovery));
    const TextPairs response{{"TargetName", "iqn.a"},
                             {"TargetAddress", "10.0.0.1:3260,1"},
                             {"TargetAddress", "[fe80::1]:3260,2"},
                             {"TargetName", "iqn.b"},
                             {"TargetAddress", "10.0.0.2:3260,1"}};
    const Exchange ex = receive_ok(initiator, response, kFullFeature);
    CHECK(ex.application == response);
    CHECK(ex.reply.empty());
  }
}

TEST_CASE("negotiation: a connection joining a session negotiates connection keys only",
          "[negotiation]") {
  SessionParams session;
  session.max_burst_length = 1048576;
  session.initial_r2t = false;
  session.max_connections = 4;
  NegotiatorConfig config = target_config();
  config.existing_session = session;
  config.local.header_digests = {DigestType::crc32c, DigestType::none};
  Negotiator target(config);
  TextPairs request = first_request();
  request.push_back({"AuthMethod", "None"});
  receive_ok(target, request, kSecurity);
  const Exchange ex = receive_ok(target,
                                 {{"HeaderDigest", "CRC32C,None"},
                                  {"MaxBurstLength", "65536"},
                                  {"InitialR2T", "Yes"},
                                  {"MaxConnections", "2"},
                                  {"MaxRecvDataSegmentLength", "65536"}},
                                 kOperational);
  CHECK(ex.reply == TextPairs{{"HeaderDigest", "CRC32C"},
                              {"MaxBurstLength", "Irrelevant"},
                              {"InitialR2T", "Irrelevant"},
                              {"MaxConnections", "Irrelevant"}});
  const NegotiatedParams p = result_ok(target);
  CHECK(p.session.max_burst_length == 1048576);
  CHECK_FALSE(p.session.initial_r2t);
  CHECK(p.session.max_connections == 4);
  CHECK(p.session.initiator_name == kInitiatorName);
  CHECK(p.connection.header_digest == DigestType::crc32c);
  CHECK(p.connection.max_send_data_segment_length == 65536);

  // The initiator side offers no leading-only key either.
  NegotiatorConfig iconfig = initiator_config();
  iconfig.existing_session = session;
  Negotiator initiator(iconfig);
  TextPairs offers;
  REQUIRE_FALSE(initiator.offer(kOperational, offers));
  CHECK(offers == TextPairs{{"InitiatorName", kInitiatorName},
                            {"TargetName", kTargetName},
                            {"HeaderDigest", "None"},
                            {"DataDigest", "None"},
                            {"MaxRecvDataSegmentLength", "8192"}});
}

TEST_CASE("negotiation: iSER keys (RFC 7145 6)", "[negotiation]") {
  NegotiatorConfig config = target_config();
  config.local.header_digests = {DigestType::crc32c, DigestType::none};
  config.local.target_recv_data_segment_length = 262144;
  config.local.initiator_recv_data_segment_length = 262144;
  config.local.max_outstanding_unexpected_pdus = 64;
  const TextPairs request{{"HeaderDigest", "CRC32C,None"},  // before RDMAExtensions on purpose
                          {"DataDigest", "None"},
                          {"RDMAExtensions", "Yes"},
                          {"MaxRecvDataSegmentLength", "8192"},
                          {"TargetRecvDataSegmentLength", "131072"},
                          {"InitiatorRecvDataSegmentLength", "1048576"},
                          {"MaxOutstandingUnexpectedPDUs", "32"}};
  SECTION("iSER-assisted mode") {
    config.local.rdma_extensions = true;
    Negotiator target = logged_in_target(config);
    Exchange ex = receive_ok(target, request, kOperational);
    CHECK(ex.reply == TextPairs{{"HeaderDigest", "Irrelevant"},
                                {"DataDigest", "Irrelevant"},
                                {"RDMAExtensions", "Yes"},
                                {"TargetRecvDataSegmentLength", "131072"},
                                {"InitiatorRecvDataSegmentLength", "262144"}});
    TextPairs offers;
    REQUIRE_FALSE(target.offer(kOperational, offers));
    // The target proposes what the initiator left out; nothing that iSER replaces.
    REQUIRE(find_pair(offers, "MaxOutstandingUnexpectedPDUs") != nullptr);
    CHECK(find_pair(offers, "MaxOutstandingUnexpectedPDUs")->value == "64");
    CHECK(find_pair(offers, "MaxRecvDataSegmentLength") == nullptr);
    CHECK(find_pair(offers, "HeaderDigest") == nullptr);
    CHECK(find_pair(offers, "MaxBurstLength") != nullptr);
    receive_ok(target, echo_answers(offers), kOperational);
    const NegotiatedParams p = result_ok(target);
    CHECK(p.session.rdma_extensions);
    CHECK(p.session.target_max_outstanding_unexpected_pdus == 64);
    CHECK(p.session.initiator_max_outstanding_unexpected_pdus == 32);
    CHECK(p.connection.header_digest == DigestType::none);
    CHECK(p.connection.max_recv_data_segment_length == 131072);  // TargetRecv...
    CHECK(p.connection.max_send_data_segment_length == 262144);  // InitiatorRecv...
  }
  SECTION("the target declines RDMAExtensions") {
    Negotiator target = logged_in_target(config);
    Exchange ex = receive_ok(target, request, kOperational);
    CHECK(ex.reply == TextPairs{{"HeaderDigest", "CRC32C"},
                                {"DataDigest", "None"},
                                {"RDMAExtensions", "No"},
                                {"TargetRecvDataSegmentLength", "Irrelevant"},
                                {"InitiatorRecvDataSegmentLength", "Irrelevant"}});
    const NegotiatedParams p = result_ok(target);
    CHECK_FALSE(p.session.rdma_extensions);
    CHECK(p.session.initiator_max_outstanding_unexpected_pdus == 0);
    CHECK(p.connection.header_digest == DigestType::crc32c);
    CHECK(p.connection.max_send_data_segment_length == 8192);
  }
  SECTION("the initiator offers iSER keys only with RDMAExtensions") {
    NegotiatorConfig iconfig = initiator_config();
    iconfig.local.rdma_extensions = true;
    iconfig.local.max_outstanding_unexpected_pdus = 16;
    Negotiator initiator(iconfig);
    TextPairs offers;
    REQUIRE_FALSE(initiator.offer(kOperational, offers));
    CHECK(find_pair(offers, "RDMAExtensions")->value == "Yes");
    CHECK(find_pair(offers, "TargetRecvDataSegmentLength") != nullptr);
    CHECK(find_pair(offers, "MaxOutstandingUnexpectedPDUs")->value == "16");
    CHECK(find_pair(offers, "HeaderDigest") == nullptr);
    CHECK(find_pair(offers, "MaxRecvDataSegmentLength") == nullptr);
    // The target says No: the digests and MaxRecvDataSegmentLength become relevant.
    receive_ok(initiator,
               {{"RDMAExtensions", "No"},
                {"TargetRecvDataSegmentLength", "Irrelevant"},
                {"InitiatorRecvDataSegmentLength", "Irrelevant"}},
               kOperational);
    TextPairs more;
    REQUIRE_FALSE(initiator.offer(kOperational, more));
    CHECK(find_pair(more, "HeaderDigest") != nullptr);
    CHECK(find_pair(more, "MaxRecvDataSegmentLength") != nullptr);
  }
}

TEST_CASE("negotiation: invalid settings fail every call", "[negotiation]") {
  NegotiatorConfig config = initiator_config();
  config.local.initiator_name.clear();
  Negotiator initiator(config);
  TextPairs out;
  CHECK(initiator.offer(kSecurity, out) == negotiation_errc::invalid_settings);
  CHECK(out.empty());
  CHECK(receive_error(initiator, {}, kSecurity) == negotiation_errc::invalid_settings);
  NegotiatedParams p;
  CHECK(initiator.result(p) == negotiation_errc::invalid_settings);
}

TEST_CASE("negotiation: the error category names the error", "[negotiation]") {
  const std::error_code ec = negotiation_errc::illegal_answer;
  CHECK(std::string(ec.category().name()) == "iscsi.negotiation");
  CHECK(ec.message() == "answer not allowed by the key's rules");
}
