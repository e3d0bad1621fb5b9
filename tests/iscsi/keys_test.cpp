// The key table (iscsi/keys.h) against RFC 7143 13 and RFC 7145 6.
#include <catch2/catch.hpp>

#include <cstdint>
#include <set>
#include <string>

#include "iscsi/detail/negotiation_rules.h"
#include "iscsi/keys.h"
#include "iscsi/text.h"
#include "iscsi/text_values.h"

using namespace uiscsi::iscsi;

TEST_CASE("keys: every key is found by its name, names are unique and valid", "[keys]") {
  std::set<std::string> names;
  REQUIRE(all_keys().size() == kKeyCount);
  for (const KeyInfo& key : all_keys()) {
    INFO(std::string(key.name));
    CHECK(valid_key_name(key.name));
    CHECK(names.insert(std::string(key.name)).second);
    REQUIRE(find_key(key.name) == &key);
    CHECK(&key_info(key.id) == &key);
  }
  CHECK(find_key("maxburstlength") == nullptr);  // case-sensitive (RFC 7143 6.1)
  CHECK(find_key("X-com.example.key") == nullptr);
  CHECK(find_key("") == nullptr);
}

TEST_CASE("keys: defaults are valid values of their keys", "[keys]") {
  for (const KeyInfo& key : all_keys()) {
    INFO(std::string(key.name));
    if (key.type == ValueType::number && !key.default_value.empty()) {
      std::uint64_t v = 0;
      REQUIRE_FALSE(parse_number(key.default_value, v));
      CHECK(detail::number_in_range(key, v));
    }
    if (key.type == ValueType::boolean && key.rule != KeyRule::obsolete) {
      bool b = false;
      CHECK_FALSE(parse_boolean(key.default_value, b));
    }
    if (key.rule == KeyRule::list) CHECK_FALSE(key.default_value.empty());
    // Negotiated keys can be proposed by both sides, in some stage of the login.
    if (key.rule != KeyRule::declarative && key.rule != KeyRule::request) {
      CHECK((key.from_initiator & kLoginStages) != 0);
      CHECK(key.from_initiator == key.from_target);
    }
  }
}

TEST_CASE("keys: rows match RFC 7143 13", "[keys]") {
  const KeyInfo& mbl = key_info(KeyId::MaxBurstLength);
  CHECK(mbl.rule == KeyRule::minimum);
  CHECK(mbl.min == 512);
  CHECK(mbl.max == 16777215);
  CHECK(mbl.default_value == "262144");
  CHECK(mbl.leading_only);
  CHECK(mbl.irrelevant_in_discovery);

  CHECK(key_info(KeyId::DefaultTime2Wait).rule == KeyRule::maximum);
  CHECK(key_info(KeyId::DefaultTime2Wait).max == 3600);
  CHECK_FALSE(key_info(KeyId::DefaultTime2Wait).irrelevant_in_discovery);
  CHECK(key_info(KeyId::InitialR2T).rule == KeyRule::boolean_or);
  CHECK(key_info(KeyId::ImmediateData).rule == KeyRule::boolean_and);
  CHECK(key_info(KeyId::DataPDUInOrder).rule == KeyRule::boolean_or);
  CHECK(key_info(KeyId::ErrorRecoveryLevel).max == 2);
  CHECK(key_info(KeyId::MaxConnections).min == 1);
  CHECK(key_info(KeyId::MaxOutstandingR2T).max == 65535);
  CHECK(key_info(KeyId::FirstBurstLength).needs_unsolicited_data);
  CHECK(key_info(KeyId::iSCSIProtocolLevel).max == 31);
  CHECK(key_info(KeyId::TaskReporting).default_value == "RFC3720");

  // Declarative keys and their senders.
  const KeyInfo& mrdsl = key_info(KeyId::MaxRecvDataSegmentLength);
  CHECK(mrdsl.rule == KeyRule::declarative);
  CHECK(mrdsl.redeclarable);
  CHECK((mrdsl.from_initiator & kFullFeaturePhase) != 0);
  CHECK(key_info(KeyId::InitiatorName).from_target == 0);
  CHECK((key_info(KeyId::InitiatorName).from_initiator & kFullFeaturePhase) == 0);  // IO
  CHECK(key_info(KeyId::TargetAlias).from_initiator == 0);
  CHECK(key_info(KeyId::TargetName).from_target == kFullFeaturePhase);
  CHECK(key_info(KeyId::SendTargets).from_initiator == kFullFeaturePhase);
  CHECK(key_info(KeyId::SendTargets).from_target == 0);
  CHECK(key_info(KeyId::AuthMethod).from_initiator == kSecurityStage);
  CHECK(key_info(KeyId::SessionType).default_value == "Normal");
  CHECK(key_info(KeyId::IFMarker).rule == KeyRule::obsolete);
  CHECK(key_info(KeyId::OFMarkInt).rule == KeyRule::obsolete);
}

TEST_CASE("keys: iSER rows match RFC 7145 6", "[keys]") {
  const KeyInfo& rdma = key_info(KeyId::RDMAExtensions);
  CHECK(rdma.rule == KeyRule::boolean_and);
  CHECK(rdma.default_value == "No");
  CHECK(rdma.leading_only);
  CHECK(key_info(KeyId::HeaderDigest).irrelevant_with_rdma);
  CHECK(key_info(KeyId::MaxRecvDataSegmentLength).irrelevant_with_rdma);
  for (KeyId id : {KeyId::TargetRecvDataSegmentLength, KeyId::InitiatorRecvDataSegmentLength}) {
    const KeyInfo& k = key_info(id);
    CHECK(k.rule == KeyRule::minimum);
    CHECK(k.irrelevant_without_rdma);
    CHECK(k.default_value == "8192");
  }
  const KeyInfo& moup = key_info(KeyId::MaxOutstandingUnexpectedPDUs);
  CHECK(moup.rule == KeyRule::declarative);
  CHECK(detail::number_in_range(moup, 0));
  CHECK_FALSE(detail::number_in_range(moup, 1));
  CHECK(detail::number_in_range(moup, 2));
  CHECK(detail::number_in_range(moup, 0xffffffffu));
  CHECK_FALSE(detail::number_in_range(moup, 0x100000000u));
}

TEST_CASE("keys: auth keys, answer constants, value limits", "[keys]") {
  for (const char* k : {"CHAP_A", "CHAP_I", "CHAP_C", "CHAP_N", "CHAP_R"}) CHECK(is_auth_key(k));
  CHECK_FALSE(is_auth_key("CHAP_X"));
  CHECK_FALSE(is_auth_key("AuthMethod"));
  CHECK(is_answer_constant("Reject"));
  CHECK(is_answer_constant("Irrelevant"));
  CHECK(is_answer_constant("NotUnderstood"));
  CHECK_FALSE(is_answer_constant("None"));
  CHECK_FALSE(is_answer_constant("reject"));
  CHECK(max_value_length("TargetAddress") == 255);
  CHECK(max_value_length("CHAP_C") == 8192);
  CHECK(max_value_length("X-com.example.blob") == 8192);
}
