// Login (RFC 7143 6.3, 11.12, 11.13): from a fresh transport to Full Feature Phase.
//
// login() runs the two login stages over a connected transport:
//  - security negotiation: AuthMethod=None, or AuthMethod=CHAP with the CHAP exchange
//    (one-way or mutual, CHAP_A as configured), declaring InitiatorName, SessionType and
//    TargetName;
//  - operational negotiation: the keys of NegotiationSettings through the table-driven
//    negotiator (iscsi/negotiation.h), ErrorRecoveryLevel=0.
// We ask to transit (T=1) as soon as our side of a stage is done and follow the target
// when it transits. On success the transport is configured with the negotiated digests
// and MaxRecvDataSegmentLength before anything else is received on it.
//
// connect_and_login() adds the connection, the login timeout and login redirection: a
// Login Response with Status-Class 1 (target moved, RFC 7143 11.13.5) makes it connect to
// the TargetAddress given and log in again there, up to SessionConfig::max_redirects times.
//
// Errors: a refused login is its iscsi::LoginStatus ("iscsi.login": class and detail, e.g.
// 0x0201 authentication failure); a negotiation or CHAP failure keeps its own category;
// the rest is errc (login_timeout, too_many_redirects, protocol_error, auth_method_refused,
// target_not_authenticated) or a transport error. LoginResult::error says it in words.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "initiator/config.h"
#include "initiator/connector.h"
#include "initiator/portal.h"
#include "iscsi/chap_algorithm.h"
#include "iscsi/negotiation_params.h"
#include "iscsi/pdu_login.h"
#include "offload/transport.h"

namespace uiscsi::initiator {

// The fields of the Login Requests that are not configuration.
struct LoginState {
  iscsi::Isid isid{};
  // 0 for the leading login of a new session, and for session reinstatement (RFC 7143
  // 6.3.5: same ISID, TSIH 0); the session's TSIH to add a connection to it.
  std::uint16_t tsih = 0;
  std::uint16_t cid = 0;
  // The session's next CmdSN (any value for a new session).
  std::uint32_t cmd_sn = 0;
  // StatSN + 1 of the last status seen on this connection (0 for a new one).
  std::uint32_t exp_stat_sn = 0;
  // Set when the login adds a connection to a session (tsih != 0, MC/S): the session's
  // negotiated parameters. Leading-only keys are then not offered (RFC 7143 6.3, 13).
  std::optional<iscsi::SessionParams> session;
};

struct LoginResult {
  std::error_code ec;
  std::string error;  // empty on success
  // Set with ec = target_moved_temporarily / _permanently: where to log in instead.
  std::optional<TargetAddress> redirect;

  // Valid on success.
  iscsi::NegotiatedParams params;
  std::uint16_t tsih = 0;
  std::uint32_t exp_stat_sn = 0;  // StatSN of the final Login Response + 1
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  std::optional<iscsi::ChapAlgorithm> chap_algorithm;  // when CHAP was used
};

// Logs in over `transport` (connected, nothing sent on it yet). The transport must outlive
// the awaitable; on failure the caller closes it. No timeout here: see connect_and_login().
boost::asio::awaitable<LoginResult> login(offload::Transport& transport, const SessionConfig& config,
                                          const LoginState& state);

struct Established {
  std::unique_ptr<offload::Transport> transport;  // in Full Feature Phase; null on error
  LoginResult login;                              // login.ec / login.error on failure
  Portal portal;                                  // where we are logged in (after redirection)
};

// Connects to `portal` through `connector` and logs in, following redirections, each
// login bounded by config.timeouts.login (errc::login_timeout).
boost::asio::awaitable<Established> connect_and_login(const Connector& connector, const SessionConfig& config,
                                                      const LoginState& state, Portal portal);

}  // namespace uiscsi::initiator
