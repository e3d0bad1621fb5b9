#include "iscsi/detail/negotiation_local.h"

#include "iscsi/negotiation_error.h"
#include "iscsi/text_values.h"

namespace uiscsi::iscsi::detail {
namespace {

LocalValue number(std::uint64_t value) {
  return {.present = true, .wire = format_number(value), .number = value, .list = {}};
}

LocalValue boolean(bool value) {
  return {.present = true,
          .wire = std::string(format_boolean(value)),
          .number = value ? 1u : 0u,
          .list = {}};
}

LocalValue text(std::string_view value) {
  return {.present = !value.empty(), .wire = std::string(value), .number = 0, .list = {}};
}

// A list-of-values key: the wire form joins the items in our order of preference.
template <typename Enum>
LocalValue list(const std::vector<Enum>& values) {
  LocalValue v{.present = !values.empty(), .wire = {}, .number = 0, .list = {}};
  for (Enum e : values) {
    if (!v.wire.empty()) v.wire += ',';
    v.wire += to_text(e);
    v.list.push_back(to_text(e));
  }
  return v;
}

LocalValue only_for(Role role, Role sender, LocalValue value) {
  if (role != sender) value.present = false;
  return value;
}

}  // namespace

LocalValue local_value(const LocalSettings& s, KeyId id, Role role, SessionType type) {
  const bool normal = type == SessionType::normal;
  switch (id) {
    case KeyId::InitiatorName: return only_for(role, Role::initiator, text(s.initiator_name));
    case KeyId::InitiatorAlias: return only_for(role, Role::initiator, text(s.initiator_alias));
    // RFC 7143 13.4: the initiator names its target in the first Login Request of a
    // normal session; the target sends TargetName only in SendTargets responses.
    case KeyId::TargetName:
      return only_for(role, Role::initiator, text(normal ? s.target_name : ""));
    // 13.6: the alias is for normal sessions; 13.9: the tag answers a request that named
    // a target, i.e. a normal session.
    case KeyId::TargetAlias:
      return only_for(role, Role::target, text(normal ? s.target_alias : ""));
    case KeyId::TargetPortalGroupTag:
      if (!s.target_portal_group_tag || !normal) return {};
      return only_for(role, Role::target, number(*s.target_portal_group_tag));
    case KeyId::SessionType: return only_for(role, Role::initiator, text(to_text(type)));
    case KeyId::AuthMethod: return list(s.auth_methods);
    case KeyId::HeaderDigest: return list(s.header_digests);
    case KeyId::DataDigest: return list(s.data_digests);
    case KeyId::MaxRecvDataSegmentLength: return number(s.max_recv_data_segment_length);
    case KeyId::MaxConnections: return number(s.max_connections);
    case KeyId::InitialR2T: return boolean(s.initial_r2t);
    case KeyId::ImmediateData: return boolean(s.immediate_data);
    case KeyId::MaxBurstLength: return number(s.max_burst_length);
    case KeyId::FirstBurstLength: return number(s.first_burst_length);
    case KeyId::DefaultTime2Wait: return number(s.default_time2wait);
    case KeyId::DefaultTime2Retain: return number(s.default_time2retain);
    case KeyId::MaxOutstandingR2T: return number(s.max_outstanding_r2t);
    case KeyId::DataPDUInOrder: return boolean(s.data_pdu_in_order);
    case KeyId::DataSequenceInOrder: return boolean(s.data_sequence_in_order);
    case KeyId::ErrorRecoveryLevel:
      return number(static_cast<std::uint64_t>(s.error_recovery_level));
    case KeyId::TaskReporting: return list(s.task_reporting);
    case KeyId::iSCSIProtocolLevel: return number(s.iscsi_protocol_level);
    case KeyId::RDMAExtensions: return boolean(s.rdma_extensions);
    case KeyId::TargetRecvDataSegmentLength: return number(s.target_recv_data_segment_length);
    case KeyId::InitiatorRecvDataSegmentLength: return number(s.initiator_recv_data_segment_length);
    case KeyId::MaxOutstandingUnexpectedPDUs: return number(s.max_outstanding_unexpected_pdus);
    // TargetAddress is the target's only in redirections and SendTargets responses, which
    // the login and discovery layers build themselves.
    case KeyId::TargetAddress:
    case KeyId::SendTargets:
    case KeyId::IFMarker:
    case KeyId::OFMarker:
    case KeyId::IFMarkInt:
    case KeyId::OFMarkInt: return {};
  }
  return {};
}

std::error_code check_settings(const LocalSettings& s, Role role, SessionType type) {
  const auto invalid = make_error_code(negotiation_errc::invalid_settings);
  for (const KeyInfo& key : all_keys()) {
    const LocalValue v = local_value(s, key.id, role, type);
    if (key.type == ValueType::number && v.present && !number_in_range(key, v.number)) {
      return invalid;
    }
    if (key.type == ValueType::list && !v.present) return invalid;  // an empty list
    if (key.type == ValueType::iscsi_name && v.wire.size() > kMaxIscsiNameLength) return invalid;
    if (v.wire.size() > max_value_length(key.name)) return invalid;
    if (v.wire.find('\0') != std::string::npos) return invalid;
  }
  // RFC 7143 13.5, 13.4: what the first Login Request must carry.
  if (role == Role::initiator) {
    if (s.initiator_name.empty()) return invalid;
    if (type == SessionType::normal && s.target_name.empty()) return invalid;
  }
  return {};
}

}  // namespace uiscsi::iscsi::detail
