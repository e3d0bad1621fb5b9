#include <algorithm>
#include <cstdint>
#include <string>

#include "iscsi/detail/negotiation_rules.h"
#include "iscsi/detail/negotiation_state.h"
#include "iscsi/keys.h"

namespace uiscsi::iscsi {

using detail::Slot;
using detail::SlotState;

// Every list key that applies must have ended on a value we support: a Reject leaves the
// default, which may not be one (RFC 7143 6.2: the proposer may then end the login).
std::error_code Negotiator::State::check_results() const {
  for (const KeyInfo& key : all_keys()) {
    if (key.rule != KeyRule::list || !relevant(key)) continue;
    const auto& supported = ours(key.id).list;
    if (std::find(supported.begin(), supported.end(), slot(key.id).value.text) == supported.end()) {
      return negotiation_errc::unacceptable_result;
    }
  }
  return {};
}

std::error_code Negotiator::State::result(NegotiatedParams& out) const {
  if (failed) return failed;
  for (const Slot& s : slots) {
    if (s.state == SlotState::offered) return negotiation_errc::unanswered_offer;
  }
  if (config.role == Role::target) {
    // RFC 7143 13.5, 13.4: InitiatorName always, TargetName unless discovery.
    if (!slot(KeyId::InitiatorName).peer_declared) return negotiation_errc::missing_key;
    if (config.session_type == SessionType::normal && !slot(KeyId::TargetName).peer_declared) {
      return negotiation_errc::missing_key;
    }
    // No SessionType means Normal (13.21).
    if (!config.existing_session &&
        parse_session_type(slot(KeyId::SessionType).value.text) != config.session_type) {
      return negotiation_errc::session_type_mismatch;
    }
  }
  if (auto ec = check_results()) return ec;

  NegotiatedParams p;
  if (config.existing_session) {
    p.session = *config.existing_session;
  } else {
    fill_session(p.session);
  }
  fill_identity(p.session);
  fill_connection(p.session.rdma_extensions, p.connection);
  out = std::move(p);
  return {};
}

void Negotiator::State::fill_session(SessionParams& out) const {
  const auto number = [this](KeyId id) {
    return static_cast<std::uint32_t>(slot(id).value.number);
  };
  const auto flag = [this](KeyId id) { return slot(id).value.number != 0; };
  out.session_type = config.session_type;
  out.max_connections = number(KeyId::MaxConnections);
  out.initial_r2t = flag(KeyId::InitialR2T);
  out.immediate_data = flag(KeyId::ImmediateData);
  out.max_burst_length = number(KeyId::MaxBurstLength);
  out.first_burst_length = number(KeyId::FirstBurstLength);
  out.default_time2wait = number(KeyId::DefaultTime2Wait);
  out.default_time2retain = number(KeyId::DefaultTime2Retain);
  out.max_outstanding_r2t = number(KeyId::MaxOutstandingR2T);
  out.data_pdu_in_order = flag(KeyId::DataPDUInOrder);
  out.data_sequence_in_order = flag(KeyId::DataSequenceInOrder);
  out.error_recovery_level = static_cast<ErrorRecoveryLevel>(number(KeyId::ErrorRecoveryLevel));
  out.task_reporting =
      parse_task_reporting(slot(KeyId::TaskReporting).value.text).value_or(TaskReporting::rfc3720);
  out.iscsi_protocol_level = static_cast<std::uint8_t>(number(KeyId::iSCSIProtocolLevel));
  out.rdma_extensions = flag(KeyId::RDMAExtensions);
  const Slot& unexpected = slot(KeyId::MaxOutstandingUnexpectedPDUs);
  const auto ours_declared = static_cast<std::uint32_t>(
      unexpected.we_declared ? ours(KeyId::MaxOutstandingUnexpectedPDUs).number : 0);
  const auto peer_declared = static_cast<std::uint32_t>(unexpected.value.number);
  const bool initiator = config.role == Role::initiator;
  // Irrelevant without iSER (RFC 7145 6), even if declared before RDMAExtensions settled.
  if (out.rdma_extensions) {
    out.initiator_max_outstanding_unexpected_pdus = initiator ? ours_declared : peer_declared;
    out.target_max_outstanding_unexpected_pdus = initiator ? peer_declared : ours_declared;
  }

  // The RFC's rules between keys. Both sides apply them to the same negotiated values, so
  // they agree on the outcome without another exchange.
  if (out.session_type == SessionType::discovery) out.max_connections = 1;          // 13.21
  out.first_burst_length = std::min(out.first_burst_length, out.max_burst_length);  // 13.14
  // 13.19: with recovery above level 0 and DataSequenceInOrder=Yes, only the last R2T can
  // be retried, so MaxOutstandingR2T MUST be 1.
  if (out.error_recovery_level != ErrorRecoveryLevel::session && out.data_sequence_in_order) {
    out.max_outstanding_r2t = 1;
  }
}

void Negotiator::State::fill_identity(SessionParams& out) const {
  const LocalSettings& s = config.local;
  const auto peer_text = [this](KeyId id) {
    const Slot& sl = slot(id);
    return sl.peer_declared ? sl.value.text : std::string();
  };
  const auto our_text = [this](KeyId id, const std::string& value) {
    return slot(id).we_declared ? value : std::string();
  };
  if (config.role == Role::initiator) {
    out.initiator_name = our_text(KeyId::InitiatorName, s.initiator_name);
    out.initiator_alias = our_text(KeyId::InitiatorAlias, s.initiator_alias);
    out.target_name = our_text(KeyId::TargetName, s.target_name);
    out.target_alias = peer_text(KeyId::TargetAlias);
    out.target_address = peer_text(KeyId::TargetAddress);
    const Slot& tag = slot(KeyId::TargetPortalGroupTag);
    out.target_portal_group_tag = tag.peer_declared
                                      ? std::optional(static_cast<std::uint16_t>(tag.value.number))
                                      : std::nullopt;
  } else {
    out.initiator_name = peer_text(KeyId::InitiatorName);
    out.initiator_alias = peer_text(KeyId::InitiatorAlias);
    out.target_name = peer_text(KeyId::TargetName);
    out.target_alias = our_text(KeyId::TargetAlias, s.target_alias);
    out.target_address.clear();
    out.target_portal_group_tag =
        slot(KeyId::TargetPortalGroupTag).we_declared ? s.target_portal_group_tag : std::nullopt;
  }
}

void Negotiator::State::fill_connection(bool rdma, ConnectionParams& out) const {
  const auto number = [this](KeyId id) {
    return static_cast<std::uint32_t>(slot(id).value.number);
  };
  const auto digest = [this](KeyId id) {
    return parse_digest_type(slot(id).value.text).value_or(DigestType::none);
  };
  out.auth_method =
      parse_auth_method(slot(KeyId::AuthMethod).value.text).value_or(AuthMethod::none);
  // RFC 7145 6.1: iSER-assisted mode implies HeaderDigest=None and DataDigest=None.
  out.header_digest = rdma ? DigestType::none : digest(KeyId::HeaderDigest);
  out.data_digest = rdma ? DigestType::none : digest(KeyId::DataDigest);
  out.target_recv_data_segment_length = number(KeyId::TargetRecvDataSegmentLength);
  out.initiator_recv_data_segment_length = number(KeyId::InitiatorRecvDataSegmentLength);
  if (rdma) {
    // RFC 7145 6.4, 6.5: each side receives up to its own *RecvDataSegmentLength.
    const bool initiator = config.role == Role::initiator;
    out.max_recv_data_segment_length =
        initiator ? out.initiator_recv_data_segment_length : out.target_recv_data_segment_length;
    out.max_send_data_segment_length =
        initiator ? out.target_recv_data_segment_length : out.initiator_recv_data_segment_length;
  } else {
    // RFC 7143 13.12: declared per direction; the default holds for a side that never
    // declared, us included.
    const Slot& mrdsl = slot(KeyId::MaxRecvDataSegmentLength);
    out.max_recv_data_segment_length =
        mrdsl.we_declared
            ? static_cast<std::uint32_t>(ours(KeyId::MaxRecvDataSegmentLength).number)
            : static_cast<std::uint32_t>(
                  detail::default_value(key_info(KeyId::MaxRecvDataSegmentLength)).number);
    out.max_send_data_segment_length = number(KeyId::MaxRecvDataSegmentLength);
  }
}

}  // namespace uiscsi::iscsi
