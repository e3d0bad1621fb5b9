// The in-memory configuration of the iSCSI target: which targets exist, where they listen,
// what they export, who may log in and what the login negotiates.
//
// The daemon (tools/uiscsi-target) builds a Config from its TOML file and hands it to
// Server::start() and, on SIGHUP, to Server::apply(). Nothing here does I/O or depends on
// Boost.Asio: a Config is plain data, copied into the server, and validate() checks it
// before anything is opened.
//
// Namespace: uiscsi::target::iscsit (the Linux LIO name of its iSCSI target fabric). Not
// `iscsi`, which inside uiscsi::target would hide the protocol library uiscsi::iscsi.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iscsi/negotiation_params.h"
#include "offload/path.h"
#include "target/backend/factory.h"
#include "target/scsi/logical_unit.h"

namespace uiscsi::target::iscsit {

// A network portal: one listening address (RFC 7143 3.4.1). `address` is a numeric IPv4
// or IPv6 address ("0.0.0.0" and "::" listen on every address; SendTargets then reports
// the address the asking connection arrived on).
struct Portal {
  std::string address;
  std::uint16_t port = 3260;
  // The data path connections accepted here ask for (offload/path.h). `auto` takes the best
  // path this host can use; an explicit path that is not usable fails Server::start().
  offload::Policy offload = offload::Policy::auto_;

  friend bool operator==(const Portal&, const Portal&) = default;
};

// A target portal group (RFC 7143 3.4.1): the portals through which one session may span
// connections. TargetPortalGroupTag is reported at login and in SendTargets.
struct PortalGroup {
  std::uint16_t tag = 1;  // TPGT, 0..65535, unique within a target
  std::vector<Portal> portals;

  friend bool operator==(const PortalGroup&, const PortalGroup&) = default;
};

// A logical unit of a target: its LUN and the backend behind it.
struct Lun {
  std::uint16_t number = 0;  // 0..16383 (target/scsi/target.h)
  BackendConfig backend;
  // INQUIRY identification and limits. An empty `unit.serial` is replaced by one derived
  // from the target name and the LUN, stable across restarts.
  scsi::LuConfig unit;
};

// One CHAP identity (RFC 7143 12.1.3). validate() wants secrets of at least 12 bytes: RFC
// 7143 9.2.1 requires IPsec for secrets of fewer than 96 random bits, and we do not do IPsec.
struct ChapCredentials {
  std::string username;  // CHAP_N
  std::string secret;

  friend bool operator==(const ChapCredentials&, const ChapCredentials&) = default;
};

// CHAP authentication of a target (or of discovery sessions).
//  - initiator: what the initiator must prove (it sends CHAP_N = username and CHAP_R over
//    our challenge with this secret). Set: AuthMethod=CHAP is required; unset: AuthMethod
//    None is offered and CHAP is refused.
//  - mutual: set to allow mutual CHAP: when the initiator challenges us (CHAP_I, CHAP_C),
//    we answer with this username and secret. Unset: a challenge from the initiator fails
//    the login (authentication failure). Its secret must differ from initiator.secret
//    (RFC 7143 9.2.1 forbids the same secret in both directions).
//  - algorithms: the CHAP_A values we accept (IANA "PPP Authentication Algorithms":
//    5 = MD5 (RFC 1994), 6 = SHA-1, 7 = SHA-256, 8 = SHA3-256). The initiator's list is
//    answered with the first of its values that is in ours (RFC 7143 12.1.3, 6.2.1): its
//    order of preference decides, ours only filters.
struct ChapConfig {
  std::optional<ChapCredentials> initiator;
  std::optional<ChapCredentials> mutual;
  std::vector<std::uint8_t> algorithms{8, 7, 6, 5};

  friend bool operator==(const ChapConfig&, const ChapConfig&) = default;
};

// What the target offers and accepts in the Login Phase (RFC 7143 13). Every session
// negotiates from these; ErrorRecoveryLevel is always 0 (only session recovery is
// implemented) and DataPDUInOrder / DataSequenceInOrder are always Yes.
struct NegotiationLimits {
  // Declared by us: the largest Data-Out / Text / NOP-Out data segment we receive
  // (RFC 7143 13.12), 512..16777215.
  std::uint32_t max_recv_data_segment_length = 262144;
  // Session-wide bounds (RFC 7143 13.13-13.19). Minimum-result keys: these are the largest
  // values we accept; the initiator may settle lower.
  std::uint32_t max_burst_length = 1048576;  // 512..16777215
  std::uint32_t first_burst_length = 65536;  // 512..MaxBurstLength
  std::uint32_t max_outstanding_r2t = 4;     // 1..65535
  std::uint32_t max_connections = 4;         // 1..65535 (MC/S when above 1)
  bool immediate_data = true;                // AND: Yes only if both sides say Yes
  bool initial_r2t = false;                  // OR: No only if both sides say No
  std::uint32_t default_time2wait = 2;       // 0..3600, seconds
  std::uint32_t default_time2retain = 20;    // 0..3600, seconds
  // The digests we accept, in order of preference (RFC 7143 13.1).
  std::vector<iscsi::DigestType> header_digests{iscsi::DigestType::none, iscsi::DigestType::crc32c};
  std::vector<iscsi::DigestType> data_digests{iscsi::DigestType::none, iscsi::DigestType::crc32c};

  friend bool operator==(const NegotiationLimits&, const NegotiationLimits&) = default;
};

// Liveness pings (RFC 7143 11.19): a NOP-In with a Target Transfer Tag is sent after
// `interval` without any PDU from the initiator; no NOP-Out answer within `timeout` drops
// the connection. interval 0: no pings.
struct NopConfig {
  std::chrono::seconds interval{5};
  std::chrono::seconds timeout{30};

  friend bool operator==(const NopConfig&, const NopConfig&) = default;
};

// One iSCSI target node.
struct TargetNode {
  std::string name;   // TargetName, an iqn./eui./naa. name (RFC 7143 4.2.7)
  std::string alias;  // TargetAlias; empty: not declared
  std::vector<PortalGroup> portal_groups;
  std::vector<Lun> luns;
  // InitiatorNames allowed to log in to (and to see in SendTargets) this target; empty:
  // every initiator. Compared exactly; iSCSI names are already normalized lower case
  // (RFC 7143 4.2.7.1, stringprep), so the daemon lower-cases iqn./eui. names it reads.
  std::vector<std::string> allowed_initiators;
  ChapConfig chap;
  NegotiationLimits limits;
  NopConfig nop;
  // When set, connections to this target that arrived on a different path are moved to it
  // after login where the transport can switch (only `tcp` can be reached that way, see
  // offload::Transport::switch_to_tcp); otherwise the portal's path is kept.
  std::optional<offload::Policy> offload;
};

// Discovery sessions (SessionType=Discovery, RFC 7143 13.21): their own CHAP settings and
// limits; they reach every portal of every target.
struct DiscoveryConfig {
  bool enabled = true;
  ChapConfig chap;
  NopConfig nop;
};

struct Config {
  std::vector<TargetNode> targets;
  DiscoveryConfig discovery;
  // Login Phase bound (RFC 7143 6.1: a target may time out a login that stalls).
  std::chrono::seconds login_timeout{15};
};

// Problems that make `config` unusable, one sentence each (empty: valid): duplicate
// target names, LUNs or TPGTs; names that are not iSCSI names; addresses that are not
// numeric; limits outside their RFC 7143 ranges (FirstBurstLength above MaxBurstLength,
// ...); CHAP without a username or algorithm, short secrets, the same secret in both
// directions; unknown CHAP_A values.
std::vector<std::string> validate(const Config& config);

// Whether two LUN descriptions export the same backend the same way (Server::apply()
// replaces a LUN only when they differ).
bool same_lun(const Lun& a, const Lun& b);

// Whether `name` is a well-formed iqn., eui. or naa. name of at most 223 bytes (RFC 7143
// 4.2.7), in its normalised (lower-case iqn.) form.
bool valid_iscsi_name(std::string_view name) noexcept;

// Whether `initiator_name` may log in to `target` (its allow-list, RFC 7143 9.2).
bool initiator_allowed(const TargetNode& target, std::string_view initiator_name) noexcept;

}  // namespace uiscsi::target::iscsit
