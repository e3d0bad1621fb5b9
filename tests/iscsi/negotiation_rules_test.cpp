// The result functions of RFC 7143 6.2, key by key, as tables of cases: the acceptor's
// answer to a proposal, and the proposer's check of an answer.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "iscsi/detail/negotiation_local.h"
#include "iscsi/detail/negotiation_rules.h"
#include "iscsi/negotiation_error.h"

using namespace uiscsi::iscsi;
using detail::KeyValue;
using detail::LocalValue;

namespace {

constexpr std::uint64_t kNoCeiling = std::numeric_limits<std::uint64_t>::max();

LocalValue list_of(std::initializer_list<std::string_view> items) {
  LocalValue v;
  v.present = true;
  for (std::string_view i : items) {
    if (!v.wire.empty()) v.wire += ',';
    v.wire += i;
    v.list.push_back(i);
  }
  return v;
}

LocalValue number(std::uint64_t n) {
  LocalValue v;
  v.present = true;
  v.wire = std::to_string(n);
  v.number = n;
  return v;
}

LocalValue boolean(bool b) {
  LocalValue v;
  v.present = true;
  v.wire = b ? "Yes" : "No";
  v.number = b ? 1 : 0;
  return v;
}

struct ProposalCase {
  KeyId key;
  std::string_view offered;
  LocalValue ours;
  std::string_view answer;
};

void check_proposals(std::initializer_list<ProposalCase> cases) {
  for (const ProposalCase& c : cases) {
    const KeyInfo& key = key_info(c.key);
    INFO(std::string(key.name) << "=" << std::string(c.offered) << ", ours " << c.ours.wire);
    KeyValue result = detail::default_value(key);
    const KeyValue before = result;
    CHECK(detail::answer_proposal(key, c.offered, c.ours, kNoCeiling, result) == c.answer);
    if (c.answer == "Reject") {  // a rejected key keeps its value (RFC 7143 6.2)
      CHECK(result.number == before.number);
      CHECK(result.text == before.text);
    } else if (key.rule == KeyRule::list) {
      CHECK(result.text == c.answer);
    } else if (key.rule == KeyRule::boolean_and || key.rule == KeyRule::boolean_or) {
      CHECK(result.number == (c.answer == "Yes" ? 1u : 0u));
    } else {
      CHECK(std::to_string(result.number) == c.answer);
    }
  }
}

struct AnswerCase {
  KeyId key;
  LocalValue ours;  // what we offered
  std::string_view answer;
  bool legal;
};

void check_answers(std::initializer_list<AnswerCase> cases) {
  for (const AnswerCase& c : cases) {
    const KeyInfo& key = key_info(c.key);
    INFO(std::string(key.name) << ": offered " << c.ours.wire << ", answer "
                               << std::string(c.answer));
    KeyValue result = detail::default_value(key);
    const std::error_code ec = detail::accept_answer(key, c.answer, c.ours, result);
    if (c.legal) {
      CHECK_FALSE(ec);
    } else {
      CHECK(ec == negotiation_errc::illegal_answer);
    }
  }
}

}  // namespace

TEST_CASE("rules: list keys select the proposer's first supported value (6.2.1)", "[negotiation]") {
  check_proposals({
      // HeaderDigest=CRC32C,None answered by a target that allows both, or only None.
      {KeyId::HeaderDigest, "CRC32C,None", list_of({"CRC32C", "None"}), "CRC32C"},
      {KeyId::HeaderDigest, "CRC32C,None", list_of({"None"}), "None"},
      // The proposer's order wins over ours.
      {KeyId::HeaderDigest, "None,CRC32C", list_of({"CRC32C", "None"}), "None"},
      // Nothing acceptable: Reject; None is chosen only when proposed.
      {KeyId::DataDigest, "CRC32C", list_of({"None"}), "Reject"},
      {KeyId::DataDigest, "None", list_of({"CRC32C"}), "Reject"},
      // Values we do not understand are ignored.
      {KeyId::DataDigest, "Y-com.example.crc,CRC32C", list_of({"CRC32C", "None"}), "CRC32C"},
      {KeyId::HeaderDigest, "", list_of({"None"}), "Reject"},
      {KeyId::HeaderDigest, ",,None,", list_of({"None"}), "None"},
      // AuthMethod=KRB5,SRP,CHAP,None as in the login examples of RFC 7143 Appendix B.
      {KeyId::AuthMethod, "KRB5,SRP,CHAP,None", list_of({"CHAP", "None"}), "CHAP"},
      {KeyId::AuthMethod, "KRB5,SRP,None", list_of({"CHAP", "None"}), "None"},
      {KeyId::AuthMethod, "KRB5,SRP", list_of({"CHAP"}), "Reject"},
      {KeyId::TaskReporting, "FastAbort,RFC3720", list_of({"RFC3720", "FastAbort"}), "FastAbort"},
      {KeyId::TaskReporting, "ResponseFence", list_of({"RFC3720"}), "Reject"},
  });
}

TEST_CASE("rules: numerical keys take the minimum or maximum (6.2.2)", "[negotiation]") {
  check_proposals({
      {KeyId::MaxBurstLength, "262144", number(65536), "65536"},
      {KeyId::MaxBurstLength, "4096", number(65536), "4096"},
      {KeyId::MaxBurstLength, "0x1000", number(65536), "4096"},  // hex proposals
      {KeyId::MaxBurstLength, "0bAAEAAA==", number(262144), "65536"},
      {KeyId::MaxBurstLength, "512", number(16777215), "512"},
      {KeyId::MaxBurstLength, "16777215", number(16777215), "16777215"},
      {KeyId::MaxBurstLength, "511", number(65536), "Reject"},       // below the range
      {KeyId::MaxBurstLength, "16777216", number(65536), "Reject"},  // above the range
      {KeyId::MaxBurstLength, "lots", number(65536), "Reject"},
      {KeyId::MaxBurstLength, "", number(65536), "Reject"},
      {KeyId::MaxConnections, "8", number(1), "1"},
      {KeyId::MaxConnections, "0", number(4), "Reject"},
      {KeyId::ErrorRecoveryLevel, "2", number(1), "1"},
      {KeyId::ErrorRecoveryLevel, "3", number(1), "Reject"},
      {KeyId::DefaultTime2Retain, "0", number(20), "0"},
      {KeyId::MaxOutstandingR2T, "65535", number(16), "16"},
      {KeyId::iSCSIProtocolLevel, "2", number(1), "1"},
      {KeyId::iSCSIProtocolLevel, "32", number(1), "Reject"},
      // DefaultTime2Wait is the one Maximum key.
      {KeyId::DefaultTime2Wait, "0", number(2), "2"},
      {KeyId::DefaultTime2Wait, "10", number(2), "10"},
      {KeyId::DefaultTime2Wait, "3601", number(2), "Reject"},
      {KeyId::TargetRecvDataSegmentLength, "262144", number(8192), "8192"},
      {KeyId::InitiatorRecvDataSegmentLength, "4096", number(262144), "4096"},
  });
}

TEST_CASE("rules: a minimum key stays under its ceiling", "[negotiation]") {
  const KeyInfo& fbl = key_info(KeyId::FirstBurstLength);
  KeyValue result = detail::default_value(fbl);
  CHECK(detail::answer_proposal(fbl, "262144", number(131072), 65536, result) == "65536");
  CHECK(result.number == 65536);
  CHECK(detail::answer_proposal(fbl, "8192", number(131072), 65536, result) == "8192");
}

TEST_CASE("rules: boolean AND and OR (6.2.2)", "[negotiation]") {
  check_proposals({
      // ImmediateData: AND.
      {KeyId::ImmediateData, "Yes", boolean(true), "Yes"},
      {KeyId::ImmediateData, "Yes", boolean(false), "No"},
      {KeyId::ImmediateData, "No", boolean(true), "No"},
      {KeyId::ImmediateData, "No", boolean(false), "No"},
      // InitialR2T: OR; RFC 7143 13.10 "I->InitialR2T=No T->InitialR2T=No".
      {KeyId::InitialR2T, "No", boolean(false), "No"},
      {KeyId::InitialR2T, "No", boolean(true), "Yes"},
      {KeyId::InitialR2T, "Yes", boolean(false), "Yes"},
      {KeyId::DataSequenceInOrder, "No", boolean(false), "No"},
      {KeyId::RDMAExtensions, "Yes", boolean(true), "Yes"},
      {KeyId::RDMAExtensions, "Yes", boolean(false), "No"},
      // Not a boolean-value: not admissible.
      {KeyId::ImmediateData, "yes", boolean(true), "Reject"},
      {KeyId::InitialR2T, "1", boolean(true), "Reject"},
  });
}

TEST_CASE("rules: the proposer checks list answers", "[negotiation]") {
  check_answers({
      {KeyId::HeaderDigest, list_of({"CRC32C", "None"}), "CRC32C", true},
      {KeyId::HeaderDigest, list_of({"CRC32C", "None"}), "None", true},
      {KeyId::HeaderDigest, list_of({"CRC32C"}), "None", false},  // None was not proposed
      {KeyId::HeaderDigest, list_of({"CRC32C", "None"}), "CRC32C,None", false},
      {KeyId::HeaderDigest, list_of({"CRC32C", "None"}), "crc32c", false},
      {KeyId::AuthMethod, list_of({"CHAP", "None"}), "SRP", false},
      {KeyId::HeaderDigest, list_of({"CRC32C"}), "Reject", true},
      {KeyId::HeaderDigest, list_of({"CRC32C"}), "Irrelevant", true},
      {KeyId::TaskReporting, list_of({"FastAbort"}), "NotUnderstood", true},
  });
}

TEST_CASE("rules: the proposer checks numerical answers", "[negotiation]") {
  check_answers({
      {KeyId::MaxBurstLength, number(262144), "262144", true},
      {KeyId::MaxBurstLength, number(262144), "512", true},
      {KeyId::MaxBurstLength, number(262144), "262145", false},  // above our offer
      {KeyId::MaxBurstLength, number(262144), "100", false},     // below the range
      {KeyId::MaxBurstLength, number(262144), "0x40000", true},
      {KeyId::MaxBurstLength, number(262144), "big", false},
      {KeyId::MaxBurstLength, number(262144), "", false},
      {KeyId::DefaultTime2Wait, number(2), "2", true},
      {KeyId::DefaultTime2Wait, number(2), "3600", true},
      {KeyId::DefaultTime2Wait, number(2), "1", false},  // Maximum may not go down
      {KeyId::DefaultTime2Wait, number(2), "3601", false},
      {KeyId::ErrorRecoveryLevel, number(0), "1", false},
      {KeyId::MaxConnections, number(4), "Reject", true},
  });
}

TEST_CASE("rules: the proposer checks boolean answers", "[negotiation]") {
  check_answers({
      {KeyId::ImmediateData, boolean(true), "Yes", true},
      {KeyId::ImmediateData, boolean(true), "No", true},
      {KeyId::ImmediateData, boolean(false), "No", true},
      {KeyId::ImmediateData, boolean(false), "Yes", false},  // our No decides an AND
      {KeyId::InitialR2T, boolean(false), "Yes", true},
      {KeyId::InitialR2T, boolean(false), "No", true},
      {KeyId::InitialR2T, boolean(true), "Yes", true},
      {KeyId::InitialR2T, boolean(true), "No", false},  // our Yes decides an OR
      {KeyId::InitialR2T, boolean(true), "maybe", false},
  });
  CHECK(detail::reply_optional(key_info(KeyId::ImmediateData), boolean(false)));
  CHECK_FALSE(detail::reply_optional(key_info(KeyId::ImmediateData), boolean(true)));
  CHECK(detail::reply_optional(key_info(KeyId::InitialR2T), boolean(true)));
  CHECK_FALSE(detail::reply_optional(key_info(KeyId::InitialR2T), boolean(false)));
  CHECK_FALSE(detail::reply_optional(key_info(KeyId::MaxBurstLength), number(512)));
}

TEST_CASE("rules: answer constants leave the value alone", "[negotiation]") {
  const KeyInfo& key = key_info(KeyId::MaxBurstLength);
  for (std::string_view constant : {"Reject", "Irrelevant", "NotUnderstood"}) {
    KeyValue result = detail::default_value(key);
    REQUIRE_FALSE(detail::accept_answer(key, constant, number(1024), result));
    CHECK(result.number == 262144);
  }
}

TEST_CASE("rules: declarations are read by value type", "[negotiation]") {
  struct Case {
    KeyId key;
    std::string_view value;
    bool valid;
  };
  const Case cases[] = {
      {KeyId::MaxRecvDataSegmentLength, "262144", true},
      {KeyId::MaxRecvDataSegmentLength, "511", false},
      {KeyId::MaxRecvDataSegmentLength, "16777216", false},
      {KeyId::MaxRecvDataSegmentLength, "0x2000", true},
      {KeyId::MaxRecvDataSegmentLength, "many", false},
      {KeyId::TargetPortalGroupTag, "1", true},
      {KeyId::TargetPortalGroupTag, "65535", true},
      {KeyId::TargetPortalGroupTag, "65536", false},
      {KeyId::MaxOutstandingUnexpectedPDUs, "0", true},
      {KeyId::MaxOutstandingUnexpectedPDUs, "1", false},
      {KeyId::MaxOutstandingUnexpectedPDUs, "2", true},
      {KeyId::InitiatorName, "iqn.1994-05.com.redhat:client", true},
      {KeyId::InitiatorName, "eui.02004567A425678D", true},
      {KeyId::InitiatorName, "", false},
      {KeyId::TargetName,
       std::string_view(
           "iqn.2001-04.com.example:"
           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
       false},
      {KeyId::SessionType, "Normal", true},
      {KeyId::SessionType, "Discovery", true},
      {KeyId::SessionType, "discovery", false},
      {KeyId::TargetAlias, "Database Server 1 Log Disk", true},
      {KeyId::TargetAlias, "", true},
      {KeyId::TargetAddress, "[1080::8:800:200C:417A]:5003,1", true},
      {KeyId::TargetAddress, "", false},
  };
  for (const Case& c : cases) {
    INFO(std::string(key_info(c.key).name) << "=" << std::string(c.value));
    KeyValue v;
    const std::error_code ec = detail::parse_declaration(key_info(c.key), c.value, v);
    if (c.valid) {
      CHECK_FALSE(ec);
      CHECK(v.text == c.value);
    } else {
      CHECK(ec == negotiation_errc::invalid_value);
    }
  }
}

TEST_CASE("rules: local settings are checked against the key ranges", "[negotiation]") {
  const auto check = [](auto change, Role role = Role::target) {
    LocalSettings s;
    s.initiator_name = "iqn.2024-01.org.example:i";
    s.target_name = "iqn.2024-01.org.example:t";
    change(s);
    return detail::check_settings(s, role, SessionType::normal);
  };
  CHECK_FALSE(check([](LocalSettings&) {}));
  CHECK_FALSE(check([](LocalSettings&) {}, Role::initiator));
  CHECK(check([](LocalSettings& s) { s.max_burst_length = 511; }) ==
        negotiation_errc::invalid_settings);
  CHECK(check([](LocalSettings& s) { s.max_recv_data_segment_length = 1u << 24; }) ==
        negotiation_errc::invalid_settings);
  CHECK(check([](LocalSettings& s) { s.max_connections = 0; }) ==
        negotiation_errc::invalid_settings);
  CHECK(check([](LocalSettings& s) { s.default_time2wait = 3601; }) ==
        negotiation_errc::invalid_settings);
  CHECK(check([](LocalSettings& s) { s.iscsi_protocol_level = 32; }) ==
        negotiation_errc::invalid_settings);
  CHECK(check([](LocalSettings& s) { s.max_outstanding_unexpected_pdus = 1; }) ==
        negotiation_errc::invalid_settings);
  CHECK(check([](LocalSettings& s) { s.header_digests.clear(); }) ==
        negotiation_errc::invalid_settings);
  CHECK(check([](LocalSettings& s) { s.auth_methods.clear(); }) ==
        negotiation_errc::invalid_settings);
  CHECK(check([](LocalSettings& s) { s.target_alias = std::string(256, 'a'); }) ==
        negotiation_errc::invalid_settings);
  CHECK(check([](LocalSettings& s) { s.initiator_name.clear(); }, Role::initiator) ==
        negotiation_errc::invalid_settings);
  CHECK(check([](LocalSettings& s) { s.target_name.clear(); }, Role::initiator) ==
        negotiation_errc::invalid_settings);
  CHECK(check([](LocalSettings& s) { s.initiator_name = std::string(224, 'i'); },
              Role::initiator) == negotiation_errc::invalid_settings);
  // The target need not know the initiator's name.
  CHECK_FALSE(check([](LocalSettings& s) { s.initiator_name.clear(); }));
}
