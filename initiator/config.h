// What a session is set up with: who we are, which target, how to authenticate, what to
// negotiate, and the timeouts of error recovery. Plain values, copied into the session.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "iscsi/chap_algorithm.h"
#include "iscsi/negotiation_params.h"
#include "iscsi/pdu_login.h"
#include "initiator/portal.h"

namespace uiscsi::initiator {

using Milliseconds = std::chrono::milliseconds;

// CHAP (RFC 7143 12.1.3). With chap set in SessionConfig we offer AuthMethod=CHAP only: a
// configured secret means the user wants authentication, so we never fall back to None.
struct ChapSettings {
  // Our CHAP_N and secret: the target checks them.
  std::string user;
  std::string secret;
  // Mutual CHAP when both are set: the name the target must answer with, and its secret
  // (which must differ from ours, RFC 7143 12.1.3).
  std::string target_user;
  std::string target_secret;
  // CHAP_A values offered, first preferred: 5 MD5, 6 SHA-1, 7 SHA-256, 8 SHA3-256. Note that
  // tgt maps 7 to SHA-1; offer MD5 only to a tgt target.
  std::vector<iscsi::ChapAlgorithm> algorithms = {iscsi::ChapAlgorithm::sha256, iscsi::ChapAlgorithm::sha1,
                                                  iscsi::ChapAlgorithm::md5};

  bool mutual() const noexcept { return !target_user.empty() || !target_secret.empty(); }
};

// Our side of the operational negotiation (RFC 7143 13). Proposals are settled by the
// RFC's result functions with the target's values, so these are upper bounds or
// preferences; ErrorRecoveryLevel is always 0 (we recover by session reinstatement).
struct NegotiationSettings {
  // First preferred. {crc32c, none} asks for digests but accepts a target without them;
  // {crc32c} insists (the login fails if the target refuses).
  std::vector<iscsi::DigestType> header_digests{iscsi::DigestType::none};
  std::vector<iscsi::DigestType> data_digests{iscsi::DigestType::none};
  // What we accept per PDU (declared).
  std::uint32_t max_recv_data_segment_length = 262144;
  bool immediate_data = true;
  bool initial_r2t = false;
  std::uint32_t first_burst_length = 262144;
  std::uint32_t max_burst_length = 16776192;
  std::uint32_t max_outstanding_r2t = 4;
  // Connections per session (MC/S, RFC 7143 4.1.1): we offer this many and open as many as
  // the target accepts, all on the session's io_context; 1 turns MC/S off.
  std::uint32_t max_connections = 1;
  std::uint32_t default_time2wait = 2;
  std::uint32_t default_time2retain = 0;
};

// The clocks of error detection and recovery.
struct Timeouts {
  // One login (every exchange from connect to Full Feature Phase).
  Milliseconds login{15000};
  // A SCSI command without progress (no Data-In, R2T or response) for this long times out
  // and is escalated: ABORT TASK, then LOGICAL UNIT RESET, then a new connection.
  Milliseconds command{30000};
  // A task management request or a logout without an answer for this long has failed.
  Milliseconds task_management{10000};
  // After this long without any PDU from the target we send a NOP-Out ping (0: never), and
  // the connection is declared dead if the NOP-In does not come within nop_timeout.
  Milliseconds nop_interval{5000};
  Milliseconds nop_timeout{5000};
  // How long after a connection is lost we keep trying to reinstate the session. During it
  // I/O is held (neither sent nor failed); after it the held and all new I/O fail with
  // errc::session_failed. 0: fail at once.
  Milliseconds replacement{120000};
  // The pause between reconnection attempts: starts at reconnect_delay and doubles up to
  // reconnect_delay_max.
  Milliseconds reconnect_delay{250};
  Milliseconds reconnect_delay_max{2000};
  // How often a command that timed out and was aborted is sent again before it fails with
  // errc::command_timeout. Commands that were only held by a lost connection do not count.
  unsigned command_retries = 2;
};

struct SessionConfig {
  // Declared to the target (RFC 7143 13.4, 13.5, 13.6). initiator_name is required, and
  // target_name too for a normal session.
  std::string initiator_name;
  std::string initiator_alias;
  std::string target_name;
  iscsi::SessionType session_type = iscsi::SessionType::normal;
  Portal portal;
  std::optional<ChapSettings> chap;
  NegotiationSettings negotiation;
  Timeouts timeouts;
  // Generated (make_random_isid) when not set. Kept for the life of the session: every
  // reinstatement uses it.
  std::optional<iscsi::Isid> isid;
  // Login redirections (Status-Class 1) followed before giving up.
  unsigned max_redirects = 4;

  // Whether the configuration can be used; on failure errc::invalid_config and `why` says
  // what is wrong.
  std::error_code validate(std::string& why) const;
};

}  // namespace uiscsi::initiator
