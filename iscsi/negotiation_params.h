// What the key negotiation starts from and what it ends with: our local settings (what we
// offer and what we accept), and the negotiated session and connection parameters, typed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iscsi/digest.h"

namespace uiscsi::iscsi {

enum class Role : std::uint8_t { initiator, target };

// SessionType (RFC 7143 13.21).
enum class SessionType : std::uint8_t { normal, discovery };

// HeaderDigest / DataDigest values (RFC 7143 13.1).
enum class DigestType : std::uint8_t { none, crc32c };

// The AuthMethod values we implement (RFC 7143 12.1); KRB5, SRP and SPKM are refused.
enum class AuthMethod : std::uint8_t { none, chap };

// ErrorRecoveryLevel (RFC 7143 13.20); each level includes the ones below it.
enum class ErrorRecoveryLevel : std::uint8_t {
  session = 0,     // session recovery only
  digest = 1,      // + recovery from digest failures within a command or connection
  connection = 2,  // + connection recovery (task reassignment)
};

// TaskReporting (RFC 7143 13.23).
enum class TaskReporting : std::uint8_t { rfc3720, response_fence, fast_abort };

// The wire names ("CRC32C", "Discovery", "ResponseFence", ...) and back.
std::string_view to_text(SessionType v) noexcept;
std::string_view to_text(DigestType v) noexcept;
std::string_view to_text(AuthMethod v) noexcept;
std::string_view to_text(TaskReporting v) noexcept;
std::optional<SessionType> parse_session_type(std::string_view text) noexcept;
std::optional<DigestType> parse_digest_type(std::string_view text) noexcept;
std::optional<AuthMethod> parse_auth_method(std::string_view text) noexcept;
std::optional<TaskReporting> parse_task_reporting(std::string_view text) noexcept;

// Our side of the negotiation. As proposer we offer these values; as acceptor they bound
// what we accept: for Minimum keys the largest value we allow, for Maximum keys the
// smallest, for lists the values we support (first = preferred), for booleans what we
// would choose. The defaults are the RFC defaults.
struct LocalSettings {
  // Declarations about ourselves (RFC 7143 13.4-13.9). The initiator must set
  // initiator_name, and target_name for a normal session; empty aliases are not sent.
  std::string initiator_name;
  std::string initiator_alias;
  std::string target_name;
  std::string target_alias;
  // Target: sent in the first Login Response of a normal session (RFC 7143 13.9).
  std::optional<std::uint16_t> target_portal_group_tag;

  // Security negotiation (RFC 7143 12).
  std::vector<AuthMethod> auth_methods{AuthMethod::none};

  // Operational keys (RFC 7143 13).
  std::vector<DigestType> header_digests{DigestType::none};
  std::vector<DigestType> data_digests{DigestType::none};
  std::uint32_t max_recv_data_segment_length = 8192;  // declared: what we accept per PDU
  std::uint32_t max_connections = 1;
  bool initial_r2t = true;
  bool immediate_data = true;
  std::uint32_t max_burst_length = 262144;
  std::uint32_t first_burst_length = 65536;
  std::uint32_t default_time2wait = 2;
  std::uint32_t default_time2retain = 20;
  std::uint32_t max_outstanding_r2t = 1;
  bool data_pdu_in_order = true;
  bool data_sequence_in_order = true;
  ErrorRecoveryLevel error_recovery_level = ErrorRecoveryLevel::session;
  std::vector<TaskReporting> task_reporting{TaskReporting::rfc3720};
  std::uint8_t iscsi_protocol_level = 1;

  // iSER (RFC 7145 6). rdma_extensions is offered only when true.
  bool rdma_extensions = false;
  std::uint32_t target_recv_data_segment_length = 8192;
  std::uint32_t initiator_recv_data_segment_length = 8192;
  std::uint32_t max_outstanding_unexpected_pdus = 0;  // declared; 0 = no limit
};

// Session-wide results, the same on both sides. On a non-leading connection the leading-only keys
// are not negotiated: take them from the session, not from that connection's negotiator.
struct SessionParams {
  SessionType session_type = SessionType::normal;
  // Identity: ours as configured, the peer's as it declared them.
  std::string initiator_name;
  std::string initiator_alias;
  std::string target_name;
  std::string target_alias;
  std::string target_address;  // the last TargetAddress the target declared during login
  std::optional<std::uint16_t> target_portal_group_tag;

  std::uint32_t max_connections = 1;  // 1 for a discovery session (RFC 7143 13.21)
  bool initial_r2t = true;
  bool immediate_data = true;
  std::uint32_t max_burst_length = 262144;
  // Never above max_burst_length (RFC 7143 13.14). Meaningless when no unsolicited data is
  // allowed (see unsolicited_data_allowed()).
  std::uint32_t first_burst_length = 65536;
  std::uint32_t default_time2wait = 2;
  std::uint32_t default_time2retain = 20;
  // 1 when ErrorRecoveryLevel > 0 and DataSequenceInOrder=Yes (RFC 7143 13.19).
  std::uint32_t max_outstanding_r2t = 1;
  bool data_pdu_in_order = true;
  bool data_sequence_in_order = true;
  ErrorRecoveryLevel error_recovery_level = ErrorRecoveryLevel::session;
  TaskReporting task_reporting = TaskReporting::rfc3720;
  std::uint8_t iscsi_protocol_level = 1;

  // iSER (RFC 7145 6). MaxOutstandingUnexpectedPDUs is declared by each side for what it
  // can receive; 0 = no limit.
  bool rdma_extensions = false;
  std::uint32_t initiator_max_outstanding_unexpected_pdus = 0;
  std::uint32_t target_max_outstanding_unexpected_pdus = 0;

  // RFC 7143 13.14: with InitialR2T=Yes and ImmediateData=No there is no unsolicited data,
  // and FirstBurstLength is irrelevant.
  bool unsolicited_data_allowed() const noexcept { return !initial_r2t || immediate_data; }

  friend bool operator==(const SessionParams&, const SessionParams&) = default;
};

// Connection-only results, seen from our side.
struct ConnectionParams {
  AuthMethod auth_method = AuthMethod::none;
  // None when RDMAExtensions=Yes (RFC 7145 6.1).
  DigestType header_digest = DigestType::none;
  DigestType data_digest = DigestType::none;
  // The limits for the PDU layer, whichever keys set them. Over TCP they are the two
  // MaxRecvDataSegmentLength declarations (RFC 7143 13.12: one per direction): ours bounds
  // what we receive, the peer's what we send. With RDMAExtensions=Yes they come from
  // TargetRecvDataSegmentLength and InitiatorRecvDataSegmentLength (RFC 7145 6.4, 6.5).
  std::uint32_t max_recv_data_segment_length = 8192;
  std::uint32_t max_send_data_segment_length = 8192;
  // RFC 7145 6.4, 6.5, meaningful only with RDMAExtensions=Yes.
  std::uint32_t target_recv_data_segment_length = 8192;
  std::uint32_t initiator_recv_data_segment_length = 8192;

  DigestConfig digests() const noexcept {
    return {header_digest == DigestType::crc32c, data_digest == DigestType::crc32c};
  }

  friend bool operator==(const ConnectionParams&, const ConnectionParams&) = default;
};

struct NegotiatedParams {
  SessionParams session;
  ConnectionParams connection;

  friend bool operator==(const NegotiatedParams&, const NegotiatedParams&) = default;
};

}  // namespace uiscsi::iscsi
