#include "target/iscsi/login.h"

#include "iscsi/negotiation_error.h"
#include "iscsi/text.h"

namespace uiscsi::target::iscsit {
namespace {

using iscsi::LoginStage;
using iscsi::LoginStatus;

// The only version RFC 7143 defines (11.12.4).
constexpr std::uint8_t kVersion = 0x00;

LoginStatus status_of(const std::error_code& ec) {
  if (ec == iscsi::negotiation_errc::missing_key) return LoginStatus::missing_parameter;
  if (ec == iscsi::negotiation_errc::invalid_settings) return LoginStatus::target_error;
  return LoginStatus::initiator_error;
}

// What we offer and accept, from the target's (or discovery's) limits.
iscsi::LocalSettings local_settings(const NegotiationLimits& limits, const LoginAuth& auth) {
  iscsi::LocalSettings s;
  s.auth_methods = auth.methods();
  s.header_digests = limits.header_digests;
  s.data_digests = limits.data_digests;
  s.max_recv_data_segment_length = limits.max_recv_data_segment_length;
  s.max_connections = limits.max_connections;
  s.initial_r2t = limits.initial_r2t;
  s.immediate_data = limits.immediate_data;
  s.max_burst_length = limits.max_burst_length;
  s.first_burst_length = limits.first_burst_length;
  s.default_time2wait = limits.default_time2wait;
  s.default_time2retain = limits.default_time2retain;
  s.max_outstanding_r2t = limits.max_outstanding_r2t;
  // ErrorRecoveryLevel 0 and in-order data only (config.h).
  s.error_recovery_level = iscsi::ErrorRecoveryLevel::session;
  s.data_pdu_in_order = true;
  s.data_sequence_in_order = true;
  return s;
}

bool valid_stage(LoginStage s) noexcept {
  return s == LoginStage::security_negotiation || s == LoginStage::login_operational_negotiation ||
         s == LoginStage::full_feature_phase;
}

}  // namespace

Login::Login(const LoginContext& context, std::uint32_t first_stat_sn) : context_(context), stat_sn_(first_stat_sn) {}

Login::~Login() = default;

void Login::respond(const iscsi::LoginRequest& request, LoginReply& reply) noexcept {
  iscsi::LoginResponse& h = reply.header;
  h.version_max = kVersion;
  h.version_active = kVersion;
  h.isid = request.isid;
  h.tsih = request.tsih;
  h.initiator_task_tag = request.initiator_task_tag;
  h.stat_sn = stat_sn_++;
  // Login Requests are immediate and all carry the session's first CmdSN (RFC 7143
  // 11.12.6); the final response gets the session's real window from the connection.
  h.exp_cmd_sn = request.cmd_sn;
  h.max_cmd_sn = request.cmd_sn;
}

Login::State Login::fail(LoginStatus status, const iscsi::LoginRequest& request, LoginReply& reply) {
  reply = {};
  respond(request, reply);
  reply.header.csg = stage_;
  reply.header.status_class = iscsi::status_class(status);
  reply.header.status_detail = iscsi::status_detail(status);
  status_ = status;
  state_ = State::failed;
  return state_;
}

void Login::refuse(LoginStatus status, LoginReply& reply) {
  reply.data.clear();
  reply.header.transit = false;
  reply.header.nsg = LoginStage::security_negotiation;
  reply.header.tsih = outcome_.tsih;
  reply.header.status_class = iscsi::status_class(status);
  reply.header.status_detail = iscsi::status_detail(status);
  status_ = status;
  state_ = State::failed;
}

// Header rules of every request (RFC 7143 11.12): the fields the first request fixed stay,
// CSG is the stage we are in, and a transit goes forward to a real stage.
LoginStatus Login::check_request(const iscsi::LoginRequest& request) const {
  if (request.transit && request.continue_) return LoginStatus::initiator_error;  // 11.12.2
  if (!valid_stage(request.csg) || request.csg == LoginStage::full_feature_phase) return LoginStatus::initiator_error;
  if (request.transit &&
      (!valid_stage(request.nsg) || static_cast<int>(request.nsg) <= static_cast<int>(request.csg))) {
    return LoginStatus::initiator_error;
  }
  if (first_) {
    if (request.isid != first_->isid || request.tsih != first_->tsih || request.cid != first_->cid ||
        request.cmd_sn != first_->cmd_sn) {
      return LoginStatus::initiator_error;
    }
    // The initiator may skip the security stage only in its first request (6.3).
    if (request.csg != stage_) return LoginStatus::initiator_error;
  }
  return LoginStatus::success;
}

// The declarations of the first complete text decide whom the login is for (RFC 7143 6.3,
// 13.4-13.6, 13.21) and so which settings it negotiates with.
LoginStatus Login::first_request(const iscsi::LoginRequest& request, const iscsi::TextPairs& pairs) {
  const iscsi::TextPair* initiator = iscsi::find_pair(pairs, "InitiatorName");
  if (!initiator || initiator->value.empty()) return LoginStatus::missing_parameter;
  initiator_name_ = initiator->value;

  iscsi::SessionType type = iscsi::SessionType::normal;
  if (const iscsi::TextPair* t = iscsi::find_pair(pairs, "SessionType")) {
    const auto parsed = iscsi::parse_session_type(t->value);
    if (!parsed) return LoginStatus::initiator_error;
    type = *parsed;
  }

  const NegotiationLimits discovery_limits{};
  const NegotiationLimits* limits = &discovery_limits;
  iscsi::NegotiatorConfig config;
  config.role = iscsi::Role::target;
  config.session_type = type;
  if (type == iscsi::SessionType::discovery) {
    if (!context_.discovery().enabled) return LoginStatus::session_type_not_supported;
    if (request.tsih != 0) return LoginStatus::initiator_error;  // one connection (13.21)
    auth_.emplace(context_.discovery().chap);
  } else {
    const iscsi::TextPair* name = iscsi::find_pair(pairs, "TargetName");
    if (!name || name->value.empty()) return LoginStatus::missing_parameter;
    target_name_ = name->value;
    std::optional<LoginTarget> target = context_.find_target(target_name_);
    if (!target) return LoginStatus::not_found;
    if (!initiator_allowed(*target->node, initiator_name_)) return LoginStatus::authorization_failure;
    if (request.tsih != 0) {
      const JoinRequest join{request.tsih, request.isid, initiator_name_, target_name_, target->tpgt, request.cid};
      iscsi::SessionParams session;
      if (const LoginStatus s = context_.find_session(join, session); s != LoginStatus::success) return s;
      config.existing_session = std::move(session);
    }
    limits = &target->node->limits;
    auth_.emplace(target->node->chap);
    config.local.target_name = target->node->name;
    config.local.target_alias = target->node->alias;
    config.local.target_portal_group_tag = target->tpgt;
    outcome_.target = std::move(target);
  }
  // RFC 7143 6.3: skipping the security stage means no authentication.
  if (request.csg != LoginStage::security_negotiation && auth_->required()) {
    return LoginStatus::authentication_failure;
  }
  iscsi::LocalSettings local = local_settings(*limits, *auth_);
  local.target_name = std::move(config.local.target_name);
  local.target_alias = std::move(config.local.target_alias);
  local.target_portal_group_tag = config.local.target_portal_group_tag;
  config.local = std::move(local);
  negotiator_.emplace(std::move(config));

  outcome_.session_type = type;
  outcome_.isid = request.isid;
  outcome_.tsih = request.tsih;
  outcome_.cid = request.cid;
  outcome_.cmd_sn = request.cmd_sn;
  stage_ = request.csg;
  return LoginStatus::success;
}

LoginStatus Login::negotiate(const iscsi::LoginRequest& request, const iscsi::TextPairs& pairs, iscsi::TextPairs& out,
                             bool& transit) {
  iscsi::Exchange ex;
  if (auto ec = negotiator_->receive(pairs, request.csg, ex)) return status_of(ec);
  if (!ex.application.empty()) return LoginStatus::invalid_during_login;  // SendTargets (13.3)
  const bool security = request.csg == LoginStage::security_negotiation;
  if (security) {
    if (const LoginStatus s = auth_->step(negotiator_->auth_method(), ex.auth, ex.reply); s != LoginStatus::success) {
      return s;
    }
  } else if (!ex.auth.empty()) {
    return LoginStatus::initiator_error;  // CHAP keys outside the security stage
  }
  if (auto ec = negotiator_->offer(request.csg, ex.reply)) return status_of(ec);
  out = std::move(ex.reply);

  transit = request.transit && !negotiator_->awaiting_answers();
  if (security && request.transit) {
    const auto method = negotiator_->auth_method();
    // The initiator wants to leave the security stage but will not do the CHAP we
    // require (RFC 7143 12: "authentication failure").
    if (auth_->required() && method != iscsi::AuthMethod::chap) return LoginStatus::authentication_failure;
    // Mid-exchange: stay (T=0) until the CHAP exchange is complete.
    transit = transit && auth_->complete(method);
  }
  return LoginStatus::success;
}

LoginStatus Login::finish(LoginStage next) {
  if (next != LoginStage::full_feature_phase) {
    stage_ = next;
    return LoginStatus::success;
  }
  if (auto ec = negotiator_->result(outcome_.params)) return status_of(ec);
  outcome_.mutual_chap = auth_->mutual();
  stage_ = next;
  return LoginStatus::success;
}

Login::State Login::receive(const iscsi::Pdu& pdu, LoginReply& reply) {
  const iscsi::LoginRequest request = iscsi::LoginRequest::decode(pdu.bhs);
  if (pdu.bhs.opcode() != iscsi::Opcode::login_request) return fail(LoginStatus::invalid_during_login, request, reply);
  if (state_ != State::in_progress) return fail(LoginStatus::initiator_error, request, reply);
  // RFC 7143 11.12.4: we speak version 0 only.
  if (request.version_min > kVersion) return fail(LoginStatus::unsupported_version, request, reply);
  if (const LoginStatus s = check_request(request); s != LoginStatus::success) return fail(s, request, reply);
  if (!first_) {
    first_ = request;
    stage_ = request.csg;
  }

  if (text_.append(pdu.data, request.continue_)) return fail(LoginStatus::initiator_error, request, reply);
  reply = {};
  if (request.continue_) {
    // RFC 7143 11.12.2: every part but the last is answered with an empty response.
    respond(request, reply);
    reply.header.csg = stage_;
    return state_;
  }
  iscsi::TextPairs pairs;
  if (text_.take(pairs)) return fail(LoginStatus::initiator_error, request, reply);

  if (!negotiating_) {
    if (const LoginStatus s = first_request(request, pairs); s != LoginStatus::success) {
      return fail(s, request, reply);
    }
    negotiating_ = true;
  }

  iscsi::TextPairs answer;
  bool transit = false;
  if (const LoginStatus s = negotiate(request, pairs, answer, transit); s != LoginStatus::success) {
    return fail(s, request, reply);
  }
  const LoginStage current = stage_;
  if (transit) {
    if (const LoginStatus s = finish(request.nsg); s != LoginStatus::success) return fail(s, request, reply);
  }
  if (auto ec = iscsi::serialize_text(answer, reply.data)) return fail(LoginStatus::target_error, request, reply);
  respond(request, reply);
  reply.header.transit = transit;
  reply.header.csg = current;
  reply.header.nsg = transit ? request.nsg : LoginStage::security_negotiation;
  if (transit && request.nsg == LoginStage::full_feature_phase) state_ = State::complete;
  return state_;
}

}  // namespace uiscsi::target::iscsit
