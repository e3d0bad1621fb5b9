// The target side of the Login Phase of one connection (RFC 7143 6.3, 11.12, 11.13): a
// state machine from Login Requests to Login Responses. No I/O; the connection
// (connection.h) receives the PDUs, hands them to receive(), and sends what comes back.
//
// It checks the version, the declarations of the first request (InitiatorName, SessionType,
// TargetName), the target (exists, reachable through this portal, ACL), the session to join
// (TSIH != 0), runs the security stage (login_auth.h) and the operational stage (the
// negotiator, iscsi/negotiation.h), and enforces the stage transitions (T, CSG, NSG).
// Refusals follow RFC 7143 11.13.5: a Login Response with the failure status, after which
// the connection closes.
//
// Text that spans PDUs (C bit) is joined; every C=1 request is answered with an empty
// response (RFC 7143 11.12.2). Our own responses always fit the 8192 bytes every initiator
// accepts during login, so we never send C=1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iscsi/login_status.h"
#include "iscsi/negotiation.h"
#include "iscsi/negotiation_params.h"
#include "iscsi/pdu_login.h"
#include "iscsi/pdu_parser.h"
#include "iscsi/text_continuation.h"
#include "target/iscsi/config.h"
#include "target/iscsi/login_auth.h"

namespace uiscsi::target::iscsit {

// A target as a login finds it: its configuration and the TPGT of the portal group the
// connection arrived through.
struct LoginTarget {
  std::shared_ptr<const TargetNode> node;
  std::uint16_t tpgt = 0;
};

// The session a login with TSIH != 0 wants to add its connection to (RFC 7143 5.3, 11.12.6).
struct JoinRequest {
  std::uint16_t tsih = 0;
  iscsi::Isid isid{};
  std::string_view initiator_name;
  std::string_view target_name;
  std::uint16_t tpgt = 0;
  std::uint16_t cid = 0;
};

// What the login asks of the server. Called on the connection's thread; implementations
// are thread-safe.
class LoginContext {
 public:
  virtual ~LoginContext() = default;
  // The target called `name` if it is reachable through this connection's portal.
  virtual std::optional<LoginTarget> find_target(std::string_view name) const = 0;
  virtual const DiscoveryConfig& discovery() const = 0;
  // For TSIH != 0: success and the session's negotiated parameters, or the refusal:
  // session_does_not_exist (no such TSIH for this initiator, ISID and target),
  // too_many_connections (MaxConnections reached), cannot_include_in_session (another
  // portal group).
  virtual iscsi::LoginStatus find_session(const JoinRequest& request, iscsi::SessionParams& out) const = 0;
};

// Everything the connection needs once the login succeeded.
struct LoginOutcome {
  iscsi::NegotiatedParams params;
  iscsi::SessionType session_type = iscsi::SessionType::normal;
  iscsi::Isid isid{};
  std::uint16_t tsih = 0;  // as requested: 0 creates a session
  std::uint16_t cid = 0;
  std::uint32_t cmd_sn = 0;  // CmdSN of the Login Requests: the first CmdSN of the session
  std::optional<LoginTarget> target;  // normal sessions only
  bool mutual_chap = false;
};

// One Login Response to send: header and text. Owned by the caller.
struct LoginReply {
  iscsi::LoginResponse header;
  std::vector<std::byte> data;
};

class Login {
 public:
  // `first_stat_sn`: StatSN of the first Login Response (RFC 7143 11.13.4); every response
  // after it, whatever its kind, carries the next number.
  Login(const LoginContext& context, std::uint32_t first_stat_sn);
  ~Login();
  Login(const Login&) = delete;
  Login& operator=(const Login&) = delete;

  enum class State {
    in_progress,  // send the reply, wait for the next Login Request
    complete,     // the reply moves to Full Feature Phase: bind the session, set its TSIH
    failed,       // send the reply (a refusal), then close the connection
  };

  // A PDU received during the Login Phase; `pdu.data` is its text. Anything but a Login
  // Request is refused ("invalid during login", RFC 7143 11.13.5). Fills `reply`; the new
  // state says what to do with it.
  State receive(const iscsi::Pdu& pdu, LoginReply& reply);

  // After State::complete, when the session cannot be bound after all (it vanished, or
  // MaxConnections was reached meanwhile): turns `reply` into a refusal with `status`.
  void refuse(iscsi::LoginStatus status, LoginReply& reply);

  State state() const noexcept { return state_; }
  // Valid after State::complete.
  const LoginOutcome& outcome() const noexcept { return outcome_; }
  // After State::complete: the negotiator, which goes on serving Text negotiation in Full
  // Feature Phase (RFC 7143 13.12: MaxRecvDataSegmentLength may be declared again) on this connection.
  std::optional<iscsi::Negotiator> take_negotiator() noexcept { return std::move(negotiator_); }
  // The StatSN the next response on this connection carries.
  std::uint32_t next_stat_sn() const noexcept { return stat_sn_; }
  // Why the login failed, for the log (success while not failed).
  iscsi::LoginStatus status() const noexcept { return status_; }
  // The initiator and target named so far (for the status output while logging in).
  const std::string& initiator_name() const noexcept { return initiator_name_; }
  const std::string& target_name() const noexcept { return target_name_; }

 private:
  iscsi::LoginStatus first_request(const iscsi::LoginRequest& request, const iscsi::TextPairs& pairs);
  iscsi::LoginStatus check_request(const iscsi::LoginRequest& request) const;
  iscsi::LoginStatus negotiate(const iscsi::LoginRequest& request, const iscsi::TextPairs& pairs,
                               iscsi::TextPairs& out, bool& transit);
  iscsi::LoginStatus finish(iscsi::LoginStage next);
  void respond(const iscsi::LoginRequest& request, LoginReply& reply) noexcept;
  State fail(iscsi::LoginStatus status, const iscsi::LoginRequest& request, LoginReply& reply);

  const LoginContext& context_;
  State state_ = State::in_progress;
  iscsi::LoginStatus status_ = iscsi::LoginStatus::success;
  std::uint32_t stat_sn_;
  // The header fields the first request fixed for the whole Login Phase.
  std::optional<iscsi::LoginRequest> first_;
  bool negotiating_ = false;  // the first complete text was accepted
  iscsi::LoginStage stage_ = iscsi::LoginStage::security_negotiation;
  iscsi::TextAccumulator text_;
  std::optional<iscsi::Negotiator> negotiator_;
  std::optional<LoginAuth> auth_;
  std::string initiator_name_;
  std::string target_name_;
  LoginOutcome outcome_;
};

}  // namespace uiscsi::target::iscsit
