// The text keys of iSCSI: every key of RFC 7143 13 (and AuthMethod, 12), the obsoleted
// marker keys (13.25) and the iSER keys of RFC 7145 6, as one constant table.
//
// The table says, per key, how its value is settled (the result function), where and by
// whom it may be sent, when it is irrelevant, its range and its default. The negotiation
// engine (iscsi/negotiation.h) is driven by this table; it holds no per-key code except
// where the RFC states a rule between keys.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace uiscsi::iscsi {

enum class KeyId : std::uint8_t {
  // Declarations about the two ends (RFC 7143 13.4-13.9, 13.21).
  InitiatorName,
  InitiatorAlias,
  TargetName,
  TargetAlias,
  TargetAddress,
  TargetPortalGroupTag,
  SessionType,
  // Security (RFC 7143 12).
  AuthMethod,
  // Operational, connection-only (RFC 7143 13.1, 13.12).
  HeaderDigest,
  DataDigest,
  MaxRecvDataSegmentLength,
  // Operational, session-wide (RFC 7143 13.2-13.24).
  MaxConnections,
  InitialR2T,
  ImmediateData,
  MaxBurstLength,
  FirstBurstLength,
  DefaultTime2Wait,
  DefaultTime2Retain,
  MaxOutstandingR2T,
  DataPDUInOrder,
  DataSequenceInOrder,
  ErrorRecoveryLevel,
  TaskReporting,
  iSCSIProtocolLevel,
  // iSER (RFC 7145 6).
  RDMAExtensions,
  TargetRecvDataSegmentLength,
  InitiatorRecvDataSegmentLength,
  MaxOutstandingUnexpectedPDUs,
  // Full Feature Phase request (RFC 7143 13.3, Appendix C).
  SendTargets,
  // Obsoleted by RFC 7143 13.25; still answered.
  IFMarker,
  OFMarker,
  IFMarkInt,
  OFMarkInt,
};
inline constexpr std::size_t kKeyCount = 33;

// How a key's value is settled (RFC 7143 6.2).
enum class KeyRule : std::uint8_t {
  list,         // 6.2.1: the acceptor picks the first value of the proposer's list it supports
  minimum,      // 6.2.2: numerical, the result is the smaller of the two values
  maximum,      // 6.2.2: numerical, the result is the larger
  boolean_and,  // 6.2.2: Yes only if both sides want Yes
  boolean_or,   // 6.2.2: Yes if either side wants Yes
  declarative,  // 6.2: each side states its own value; it is recorded, never answered
  request,      // SendTargets: a question for the application, not a parameter
  obsolete,     // 13.25: always answered "Reject"
};

// Syntax of a value (RFC 7143 6.1). Negotiated keys use list, number or boolean.
enum class ValueType : std::uint8_t {
  list,            // list-of-values
  number,          // numerical-value within [min, max]
  boolean,         // boolean-value
  iscsi_name,      // iSCSI-name-value, at most 223 bytes (RFC 7143 4.2.7.1)
  local_name,      // iSCSI-local-name-value: any UTF-8 text (aliases)
  session_type,    // "Normal" or "Discovery"
  target_address,  // domainname[:port][,portal-group-tag]
  text,            // anything, left to the application (SendTargets)
};

// The stages in which a key may be sent. Bit n stands for the stage whose CSG/NSG code is n
// (RFC 7143 11.12.3): 0 security negotiation, 1 operational negotiation, 3 full feature.
using StageMask = std::uint8_t;
inline constexpr StageMask kSecurityStage = 1u << 0;
inline constexpr StageMask kOperationalStage = 1u << 1;
inline constexpr StageMask kFullFeaturePhase = 1u << 3;
inline constexpr StageMask kLoginStages = kSecurityStage | kOperationalStage;
inline constexpr StageMask kAllStages = kLoginStages | kFullFeaturePhase;

// Every member has a default so the table rows name only what differs from it.
struct KeyInfo {
  KeyId id = KeyId::InitiatorName;
  std::string_view name = {};
  KeyRule rule = KeyRule::declarative;
  ValueType type = ValueType::text;
  // Where each side may send the key ("Use" and "Senders" in RFC 7143 13); 0 = never.
  StageMask from_initiator = 0;
  StageMask from_target = 0;
  bool leading_only = false;              // "Use: LO": only on the leading connection (TSIH 0)
  bool irrelevant_in_discovery = false;   // "Irrelevant when: SessionType=Discovery"
  bool irrelevant_without_rdma = false;   // RFC 7145: "Irrelevant when: RDMAExtensions=No"
  bool irrelevant_with_rdma = false;      // RFC 7145 6.1, 6.2: replaced in iSER-assisted mode
  bool needs_unsolicited_data = false;    // 13.14: irrelevant when InitialR2T=Yes, ImmediateData=No
  bool redeclarable = false;              // "Use: ALL" declarations may be repeated later
  bool repeated_in_send_targets = false;  // many instances in one SendTargets response (App. C)
  bool evaluated_first = false;           // other keys' relevance or limits depend on its result
  bool offered_only_if_changed = false;   // proposed only when our value is not the default
  std::uint64_t min = 0;                  // numerical range (ValueType::number)
  std::uint64_t max = 0;
  std::string_view default_value = {};  // wire form; empty when the key has no default
};

// The table entry of `id`.
const KeyInfo& key_info(KeyId id) noexcept;
// The table entry of the key called `name` (case-sensitive, RFC 7143 6.1), or nullptr.
const KeyInfo* find_key(std::string_view name) noexcept;
// The whole table, in KeyId order.
std::span<const KeyInfo> all_keys() noexcept;

// Keys of the authentication exchange (RFC 7143 12.1.3, CHAP_A/I/C/N/R): they belong to
// the authentication layer, which the negotiator hands them to unchanged.
bool is_auth_key(std::string_view name) noexcept;

// The constants of RFC 7143 6.2 that only ever appear in answers. Proposing or declaring
// one of them is a protocol error.
inline constexpr std::string_view kReject = "Reject";
inline constexpr std::string_view kIrrelevant = "Irrelevant";
inline constexpr std::string_view kNotUnderstood = "NotUnderstood";
bool is_answer_constant(std::string_view value) noexcept;

// Length limits of RFC 7143 6.1.
inline constexpr std::size_t kMaxKeyNameLength = 63;
inline constexpr std::size_t kMaxSimpleValueLength = 255;
// Binary values of the authentication keys (CHAP_C, CHAP_R) and keys we do not know, whose
// limits we cannot know; also the smallest amount of key=value text every implementation
// must accept in one negotiation (RFC 7143 6.1).
inline constexpr std::size_t kMaxLargeValueLength = 8192;
inline constexpr std::size_t kMaxIscsiNameLength = 223;  // RFC 7143 4.2.7.1

// The longest value the text codec accepts for `key`: 255 bytes for the keys of the table
// (simple values and short lists), 8192 for every other key.
std::size_t max_value_length(std::string_view key) noexcept;

}  // namespace uiscsi::iscsi
