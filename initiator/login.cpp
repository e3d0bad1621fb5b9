#include "initiator/login.h"

#include <algorithm>

#include "initiator/detail/login_channel.h"
#include "initiator/error.h"
#include "iscsi/chap_initiator.h"
#include "iscsi/keys.h"
#include "iscsi/login_status.h"
#include "iscsi/negotiation.h"

namespace uiscsi::initiator {

namespace asio = boost::asio;
using iscsi::LoginStage;

namespace {

// A login converges in a handful of rounds (CHAP needs three in the security stage); a
// target that keeps answering without ever transiting is cut off here.
constexpr int kMaxRounds = 16;
// Any value: only one login runs on a connection, and its ITT is not used afterwards.
constexpr std::uint32_t kLoginItt = 0;

iscsi::NegotiatorConfig negotiator_config(const SessionConfig& c, const LoginState& state) {
  iscsi::NegotiatorConfig n;
  n.role = iscsi::Role::initiator;
  n.session_type = c.session_type;
  n.existing_session = state.session;
  iscsi::LocalSettings& l = n.local;
  l.initiator_name = c.initiator_name;
  l.initiator_alias = c.initiator_alias;
  if (c.session_type == iscsi::SessionType::normal) l.target_name = c.target_name;
  l.auth_methods = {c.chap ? iscsi::AuthMethod::chap : iscsi::AuthMethod::none};
  const NegotiationSettings& s = c.negotiation;
  l.header_digests = s.header_digests;
  l.data_digests = s.data_digests;
  l.max_recv_data_segment_length = s.max_recv_data_segment_length;
  l.max_connections = s.max_connections;
  l.initial_r2t = s.initial_r2t;
  l.immediate_data = s.immediate_data;
  l.max_burst_length = s.max_burst_length;
  // RFC 7143 13.14: FirstBurstLength must not exceed MaxBurstLength.
  l.first_burst_length = std::min(s.first_burst_length, s.max_burst_length);
  l.default_time2wait = s.default_time2wait;
  l.default_time2retain = s.default_time2retain;
  l.max_outstanding_r2t = s.max_outstanding_r2t;
  // We recover by session reinstatement only (RFC 7143 7.1.5, 13.20).
  l.error_recovery_level = iscsi::ErrorRecoveryLevel::session;
  return n;
}

iscsi::ChapInitiatorConfig chap_config(const ChapSettings& s) {
  iscsi::ChapInitiatorConfig c;
  c.algorithms = s.algorithms;
  c.credentials = iscsi::ChapCredentials::from_text(s.user, s.secret);
  if (s.mutual()) c.target = iscsi::ChapCredentials::from_text(s.target_user, s.target_secret);
  return c;
}

// The answers Reject / Irrelevant / NotUnderstood settle nothing on the target's side.
bool only_answer_constants(const iscsi::TextPairs& pairs) {
  return std::all_of(pairs.begin(), pairs.end(),
                     [](const iscsi::TextPair& p) { return iscsi::is_answer_constant(p.value); });
}

class Login {
 public:
  Login(offload::Transport& transport, const SessionConfig& config, const LoginState& state)
      : transport_(transport),
        channel_(transport, state, kLoginItt),
        negotiator_(negotiator_config(config, state)) {
    if (config.chap) chap_.emplace(chap_config(*config.chap));
  }

  asio::awaitable<LoginResult> run() {
    LoginResult out;
    out.ec = co_await stages(out);
    if (!out.ec) {
      const iscsi::ConnectionParams& c = out.params.connection;
      // RFC 7143 13.1: the digests start with the first PDU after the Login Phase.
      transport_.configure({.max_recv_data_segment_length = c.max_recv_data_segment_length,
                            .header_digest = c.header_digest == iscsi::DigestType::crc32c,
                            .data_digest = c.data_digest == iscsi::DigestType::crc32c});
      if (chap_) out.chap_algorithm = chap_->algorithm();
    } else if (out.error.empty()) {
      out.error = "login failed: " + out.ec.message();
    }
    co_return out;
  }

 private:
  asio::awaitable<std::error_code> stages(LoginResult& out) {
    LoginStage csg = LoginStage::security_negotiation;
    iscsi::TextPairs request;
    if (auto ec = negotiator_.offer(csg, request)) co_return ec;
    // With AuthMethod=None our side of the security stage is done before it starts.
    bool transit = !chap_;

    for (int round = 0; round < kMaxRounds; ++round) {
      const LoginStage nsg = csg == LoginStage::security_negotiation
                                 ? LoginStage::login_operational_negotiation
                                 : LoginStage::full_feature_phase;
      detail::LoginRound r;
      std::string why;
      if (auto ec = co_await channel_.round(request, csg, transit, nsg, r, why)) {
        out.error = why.empty() ? std::string{} : "login: " + why;
        co_return ec;
      }
      if (r.response.status_class != 0) co_return refused(r, out);

      iscsi::Exchange ex;
      if (auto ec = negotiator_.receive(r.text, csg, ex)) {
        out.error = "login: the target's keys failed negotiation: " + ec.message();
        co_return ec;
      }
      iscsi::TextPairs reply = std::move(ex.reply);
      if (csg == LoginStage::security_negotiation) {
        if (auto ec = authenticate(ex.auth, reply, out)) co_return ec;
      } else if (!ex.auth.empty()) {
        out.error = "login: CHAP keys outside the security stage";
        co_return make_error_code(errc::protocol_error);
      }
      if (auto ec = negotiator_.offer(csg, reply)) co_return ec;

      if (!r.response.transit) {
        // The target wants another round in this stage: answer, and keep asking to leave it
        // once our side is done.
        request = std::move(reply);
        transit = csg != LoginStage::security_negotiation || !chap_ || chap_->algorithm().has_value();
        continue;
      }
      // The target transits. Anything we would still say could never be sent.
      if (!only_answer_constants(reply)) {
        out.error = "login: the target left the stage with keys still to be answered";
        co_return make_error_code(errc::protocol_error);
      }
      if (csg == LoginStage::security_negotiation && chap_ && !chap_->done()) {
        out.error = "login: the target left the security stage before CHAP completed";
        co_return make_error_code(errc::target_not_authenticated);
      }
      out.tsih = r.response.tsih;
      out.exp_stat_sn = channel_.exp_stat_sn();
      out.exp_cmd_sn = r.response.exp_cmd_sn;
      out.max_cmd_sn = r.response.max_cmd_sn;
      csg = r.response.nsg;
      if (csg == LoginStage::full_feature_phase) co_return finish(out);
      request.clear();
      if (auto ec = negotiator_.offer(csg, request)) co_return ec;
      transit = true;
    }
    out.error = "login: no transit after " + std::to_string(kMaxRounds) + " rounds";
    co_return make_error_code(errc::protocol_error);
  }

  // The AuthMethod outcome and the CHAP exchange of one security-stage response.
  std::error_code authenticate(const iscsi::TextPairs& auth, iscsi::TextPairs& reply, LoginResult& out) {
    const std::optional<iscsi::AuthMethod> method = negotiator_.auth_method();
    if (!chap_) {
      if (!auth.empty()) {
        out.error = "login: CHAP keys although AuthMethod=None";
        return errc::protocol_error;
      }
      return {};
    }
    if (!method) return {};  // not settled yet
    if (*method != iscsi::AuthMethod::chap) {
      out.error = "login: CHAP is configured but the target settled on AuthMethod=None";
      return errc::auth_method_refused;
    }
    std::error_code ec;
    if (!chap_started_) {
      chap_started_ = true;
      ec = chap_->start(reply);
      // A target that sends CHAP keys with its AuthMethod answer is ahead of itself.
      if (!ec && !auth.empty()) ec = iscsi::chap_errc::unexpected_key;
    } else if (!auth.empty() || chap_->mutual()) {
      ec = chap_->step(auth, reply);
    }
    if (ec) out.error = "login: CHAP failed: " + ec.message();
    return ec;
  }

  std::error_code refused(const detail::LoginRound& r, LoginResult& out) {
    const auto status = iscsi::make_login_status(r.response.status_class, r.response.status_detail);
    const std::error_code ec = make_error_code(status);
    out.error = "login refused: " + ec.message();
    if (r.response.status_class == static_cast<std::uint8_t>(iscsi::LoginStatusClass::redirection)) {
      const iscsi::TextPair* address = iscsi::find_pair(r.text, "TargetAddress");
      if (address) out.redirect = parse_target_address(address->value);
      if (!out.redirect) {
        out.error = "login redirected without a usable TargetAddress";
        return errc::bad_target_address;
      }
      out.error = "login redirected to " + out.redirect->portal.to_string();
    }
    return ec;
  }

  std::error_code finish(LoginResult& out) {
    if (auto ec = negotiator_.result(out.params)) {
      out.error = "login: negotiated values are unusable: " + ec.message();
      return ec;
    }
    return {};
  }

  offload::Transport& transport_;
  detail::LoginChannel channel_;
  iscsi::Negotiator negotiator_;
  std::optional<iscsi::ChapInitiator> chap_;
  bool chap_started_ = false;
};

}  // namespace

asio::awaitable<LoginResult> login(offload::Transport& transport, const SessionConfig& config,
                                   const LoginState& state) {
  Login l(transport, config, state);
  co_return co_await l.run();
}

}  // namespace uiscsi::initiator
