#include "iscsi/keys.h"

#include <array>

namespace uiscsi::iscsi {
namespace {

constexpr std::uint64_t kMaxSegment = (1u << 24) - 1;  // 2^24 - 1, RFC 7143 13.12-13.14

// One row per key, in KeyId order; the rows cite the RFC section that defines the key.
// Unnamed fields are false / 0 / empty.
// clang-format off
constexpr std::array<KeyInfo, kKeyCount> kKeys{{
    // RFC 7143 13.5: "Use: IO, Declarative, Any-Stage; Senders: Initiator".
    {.id = KeyId::InitiatorName, .name = "InitiatorName", .rule = KeyRule::declarative,
     .type = ValueType::iscsi_name, .from_initiator = kLoginStages},
    // 13.7: "Use: ALL, Declarative, Any-Stage; Senders: Initiator".
    {.id = KeyId::InitiatorAlias, .name = "InitiatorAlias", .rule = KeyRule::declarative,
     .type = ValueType::local_name, .from_initiator = kAllStages, .redeclarable = true},
    // 13.4: "Use: IO by initiator, FFPO by target -- only as response to a SendTargets".
    {.id = KeyId::TargetName, .name = "TargetName", .rule = KeyRule::declarative,
     .type = ValueType::iscsi_name, .from_initiator = kLoginStages,
     .from_target = kFullFeaturePhase, .repeated_in_send_targets = true},
    // 13.6: "Use: ALL, Declarative, Any-Stage; Senders: Target".
    {.id = KeyId::TargetAlias, .name = "TargetAlias", .rule = KeyRule::declarative,
     .type = ValueType::local_name, .from_target = kAllStages, .redeclarable = true},
    // 13.8: "Use: ALL, Declarative, Any-Stage; Senders: Target".
    {.id = KeyId::TargetAddress, .name = "TargetAddress", .rule = KeyRule::declarative,
     .type = ValueType::target_address, .from_target = kAllStages, .redeclarable = true,
     .repeated_in_send_targets = true},
    // 13.9: "Use: IO by target, Declarative, Any-Stage"; a 16-bit value.
    {.id = KeyId::TargetPortalGroupTag, .name = "TargetPortalGroupTag",
     .rule = KeyRule::declarative, .type = ValueType::number, .from_target = kLoginStages,
     .min = 0, .max = 65535},
    // 13.21: "Use: LO, Declarative, Any-Stage; Senders: Initiator"; Default is Normal.
    {.id = KeyId::SessionType, .name = "SessionType", .rule = KeyRule::declarative,
     .type = ValueType::session_type, .from_initiator = kLoginStages, .leading_only = true,
     .evaluated_first = true, .default_value = "Normal"},
    // 12: "Use: During Login - Security Negotiation"; list, default None.
    {.id = KeyId::AuthMethod, .name = "AuthMethod", .rule = KeyRule::list, .type = ValueType::list,
     .from_initiator = kSecurityStage, .from_target = kSecurityStage, .default_value = "None"},
    // 13.1: "Use: IO; Scope: CO"; RFC 7145 6.1: irrelevant in iSER-assisted mode.
    {.id = KeyId::HeaderDigest, .name = "HeaderDigest", .rule = KeyRule::list,
     .type = ValueType::list, .from_initiator = kOperationalStage,
     .from_target = kOperationalStage, .irrelevant_with_rdma = true, .default_value = "None"},
    {.id = KeyId::DataDigest, .name = "DataDigest", .rule = KeyRule::list, .type = ValueType::list,
     .from_initiator = kOperationalStage, .from_target = kOperationalStage,
     .irrelevant_with_rdma = true, .default_value = "None"},
    // 13.12: "Use: ALL, Declarative; Scope: CO"; RFC 7145 6.2 replaces it in iSER-assisted
    // mode. Not accepted in the security stage: LIO refuses it there, so nobody sends it.
    {.id = KeyId::MaxRecvDataSegmentLength, .name = "MaxRecvDataSegmentLength",
     .rule = KeyRule::declarative, .type = ValueType::number,
     .from_initiator = kOperationalStage | kFullFeaturePhase,
     .from_target = kOperationalStage | kFullFeaturePhase, .irrelevant_with_rdma = true,
     .redeclarable = true, .min = 512, .max = kMaxSegment, .default_value = "8192"},
    // 13.2
    {.id = KeyId::MaxConnections, .name = "MaxConnections", .rule = KeyRule::minimum,
     .type = ValueType::number, .from_initiator = kOperationalStage,
     .from_target = kOperationalStage, .leading_only = true, .irrelevant_in_discovery = true,
     .min = 1, .max = 65535, .default_value = "1"},
    // 13.10
    {.id = KeyId::InitialR2T, .name = "InitialR2T", .rule = KeyRule::boolean_or,
     .type = ValueType::boolean, .from_initiator = kOperationalStage,
     .from_target = kOperationalStage, .leading_only = true, .irrelevant_in_discovery = true,
     .evaluated_first = true, .default_value = "Yes"},
    // 13.11
    {.id = KeyId::ImmediateData, .name = "ImmediateData", .rule = KeyRule::boolean_and,
     .type = ValueType::boolean, .from_initiator = kOperationalStage,
     .from_target = kOperationalStage, .leading_only = true, .irrelevant_in_discovery = true,
     .evaluated_first = true, .default_value = "Yes"},
    // 13.13
    {.id = KeyId::MaxBurstLength, .name = "MaxBurstLength", .rule = KeyRule::minimum,
     .type = ValueType::number, .from_initiator = kOperationalStage,
     .from_target = kOperationalStage, .leading_only = true, .irrelevant_in_discovery = true,
     .evaluated_first = true, .min = 512, .max = kMaxSegment, .default_value = "262144"},
    // 13.14: "Irrelevant when: SessionType=Discovery or (InitialR2T=Yes and ImmediateData=No)"
    {.id = KeyId::FirstBurstLength, .name = "FirstBurstLength", .rule = KeyRule::minimum,
     .type = ValueType::number, .from_initiator = kOperationalStage,
     .from_target = kOperationalStage, .leading_only = true, .irrelevant_in_discovery = true,
     .needs_unsolicited_data = true, .min = 512, .max = kMaxSegment, .default_value = "65536"},
    // 13.15: the only Maximum key.
    {.id = KeyId::DefaultTime2Wait, .name = "DefaultTime2Wait", .rule = KeyRule::maximum,
     .type = ValueType::number, .from_initiator = kOperationalStage,
     .from_target = kOperationalStage, .leading_only = true, .min = 0, .max = 3600,
     .default_value = "2"},
    // 13.16
    {.id = KeyId::DefaultTime2Retain, .name = "DefaultTime2Retain", .rule = KeyRule::minimum,
     .type = ValueType::number, .from_initiator = kOperationalStage,
     .from_target = kOperationalStage, .leading_only = true, .min = 0, .max = 3600,
     .default_value = "20"},
    // 13.17
    {.id = KeyId::MaxOutstandingR2T, .name = "MaxOutstandingR2T", .rule = KeyRule::minimum,
     .type = ValueType::number, .from_initiator = kOperationalStage,
     .from_target = kOperationalStage, .leading_only = true, .irrelevant_in_discovery = true,
     .min = 1, .max = 65535, .default_value = "1"},
    // 13.18
    {.id = KeyId::DataPDUInOrder, .name = "DataPDUInOrder", .rule = KeyRule::boolean_or,
     .type = ValueType::boolean, .from_initiator = kOperationalStage,
     .from_target = kOperationalStage, .leading_only = true, .irrelevant_in_discovery = true,
     .default_value = "Yes"},
    // 13.19
    {.id = KeyId::DataSequenceInOrder, .name = "DataSequenceInOrder",
     .rule = KeyRule::boolean_or, .type = ValueType::boolean, .from_initiator = kOperationalStage,
     .from_target = kOperationalStage, .leading_only = true, .irrelevant_in_discovery = true,
     .default_value = "Yes"},
    // 13.20
    {.id = KeyId::ErrorRecoveryLevel, .name = "ErrorRecoveryLevel", .rule = KeyRule::minimum,
     .type = ValueType::number, .from_initiator = kOperationalStage,
     .from_target = kOperationalStage, .leading_only = true, .min = 0, .max = 2,
     .default_value = "0"},
    // 13.23. Proposed only when asked for: RFC 3720 peers answer NotUnderstood.
    {.id = KeyId::TaskReporting, .name = "TaskReporting", .rule = KeyRule::list,
     .type = ValueType::list, .from_initiator = kOperationalStage,
     .from_target = kOperationalStage, .leading_only = true, .irrelevant_in_discovery = true,
     .offered_only_if_changed = true, .default_value = "RFC3720"},
    // 13.24
    {.id = KeyId::iSCSIProtocolLevel, .name = "iSCSIProtocolLevel", .rule = KeyRule::minimum,
     .type = ValueType::number, .from_initiator = kOperationalStage,
     .from_target = kOperationalStage, .leading_only = true, .irrelevant_in_discovery = true,
     .offered_only_if_changed = true, .min = 0, .max = 31, .default_value = "1"},
    // RFC 7145 6.3: "Use: LO"; AND, default No.
    {.id = KeyId::RDMAExtensions, .name = "RDMAExtensions", .rule = KeyRule::boolean_and,
     .type = ValueType::boolean, .from_initiator = kOperationalStage,
     .from_target = kOperationalStage, .leading_only = true, .evaluated_first = true,
     .offered_only_if_changed = true, .default_value = "No"},
    // RFC 7145 6.4, 6.5: "Use: IO; Scope: CO; Irrelevant when: RDMAExtensions=No"; Minimum.
    {.id = KeyId::TargetRecvDataSegmentLength, .name = "TargetRecvDataSegmentLength",
     .rule = KeyRule::minimum, .type = ValueType::number, .from_initiator = kOperationalStage,
     .from_target = kOperationalStage, .irrelevant_without_rdma = true, .min = 512,
     .max = kMaxSegment, .default_value = "8192"},
    {.id = KeyId::InitiatorRecvDataSegmentLength, .name = "InitiatorRecvDataSegmentLength",
     .rule = KeyRule::minimum, .type = ValueType::number, .from_initiator = kOperationalStage,
     .from_target = kOperationalStage, .irrelevant_without_rdma = true, .min = 512,
     .max = kMaxSegment, .default_value = "8192"},
    // RFC 7145 6, MaxOutstandingUnexpectedPDUs: "Use: LO, Declarative"; 0 (no limit) or
    // 2 to 2^32-1.
    {.id = KeyId::MaxOutstandingUnexpectedPDUs, .name = "MaxOutstandingUnexpectedPDUs",
     .rule = KeyRule::declarative, .type = ValueType::number,
     .from_initiator = kOperationalStage, .from_target = kOperationalStage,
     .leading_only = true, .irrelevant_without_rdma = true, .min = 0, .max = 0xffffffffu,
     .default_value = "0"},
    // 13.3: "Use: FFPO; Senders: Initiator".
    {.id = KeyId::SendTargets, .name = "SendTargets", .rule = KeyRule::request,
     .type = ValueType::text, .from_initiator = kFullFeaturePhase},
    // 13.25: answered Reject, never NotUnderstood.
    {.id = KeyId::IFMarker, .name = "IFMarker", .rule = KeyRule::obsolete,
     .type = ValueType::boolean, .from_initiator = kOperationalStage,
     .from_target = kOperationalStage},
    {.id = KeyId::OFMarker, .name = "OFMarker", .rule = KeyRule::obsolete,
     .type = ValueType::boolean, .from_initiator = kOperationalStage,
     .from_target = kOperationalStage},
    {.id = KeyId::IFMarkInt, .name = "IFMarkInt", .rule = KeyRule::obsolete,
     .type = ValueType::text, .from_initiator = kOperationalStage,
     .from_target = kOperationalStage},
    {.id = KeyId::OFMarkInt, .name = "OFMarkInt", .rule = KeyRule::obsolete,
     .type = ValueType::text, .from_initiator = kOperationalStage,
     .from_target = kOperationalStage},
}};
// clang-format on

constexpr bool rows_in_id_order() {
  for (std::size_t i = 0; i < kKeys.size(); ++i) {
    if (static_cast<std::size_t>(kKeys[i].id) != i) return false;
  }
  return true;
}
static_assert(rows_in_id_order(), "key_info() indexes the table by KeyId");

}  // namespace

const KeyInfo& key_info(KeyId id) noexcept { return kKeys[static_cast<std::size_t>(id)]; }

const KeyInfo* find_key(std::string_view name) noexcept {
  for (const KeyInfo& k : kKeys) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

std::span<const KeyInfo> all_keys() noexcept { return kKeys; }

bool is_auth_key(std::string_view name) noexcept {
  // RFC 7143 12.1.3. The other methods' keys (SRP_*, KRB_*) never reach us: we accept no
  // AuthMethod but CHAP and None, so they are answered NotUnderstood like any unknown key.
  return name == "CHAP_A" || name == "CHAP_I" || name == "CHAP_C" || name == "CHAP_N" ||
         name == "CHAP_R";
}

bool is_answer_constant(std::string_view value) noexcept {
  return value == kReject || value == kIrrelevant || value == kNotUnderstood;
}

std::size_t max_value_length(std::string_view key) noexcept {
  return find_key(key) != nullptr ? kMaxSimpleValueLength : kMaxLargeValueLength;
}

}  // namespace uiscsi::iscsi
