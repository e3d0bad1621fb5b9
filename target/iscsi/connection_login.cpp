// The Login Phase of a connection (RFC 7143 6.3) and its binding to a session.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "target/iscsi/connection.h"
#include "target/iscsi/error.h"

namespace uiscsi::target::iscsit {

namespace asio = boost::asio;

namespace {
// Commands the initiator may have outstanding per session (MaxCmdSN - ExpCmdSN + 1).
constexpr std::uint32_t kCommandWindow = 128;
}  // namespace

asio::awaitable<bool> Connection::login_phase() {
  PortalLoginContext context(*core_, portal_);
  // Any StatSN may start a connection (RFC 7143 11.13.4); counting on from the initiator's
  // ExpStatSN is what it expects.
  std::optional<Login> login;
  login_timer_.expires_after(std::chrono::seconds(core_->login_timeout_seconds.load()));
  asio::co_spawn(io_, [self = shared_from_this()] { return self->watchdog(self->login_timer_, make_error_code(errc::login_timeout)); },
                 asio::detached);
  for (;;) {
    offload::Received r = co_await transport_->receive();
    if (closing_) co_return false;
    if (r.ec) {
      if (!reason_) reason_ = r.ec;
      co_return false;
    }
    if (!login) login.emplace(context, r.pdu.bhs.u32(28));  // ExpStatSN (RFC 7143 11.12)
    LoginReply reply;
    Login::State state = login->receive(r.pdu, reply);
    {
      std::lock_guard lock(info_mutex_);
      initiator_name_ = login->initiator_name();
      target_name_ = login->target_name();
      cid_ = iscsi::LoginRequest::decode(r.pdu.bhs).cid;
    }
    if (state == Login::State::complete && !bind_session(*login, reply)) state = Login::State::failed;

    iovec iov{reply.data.data(), reply.data.size()};
    iscsi::OutgoingPdu pdu{reply.header.encode(), {}, {&iov, reply.data.empty() ? 0u : 1u}};
    const std::error_code sent = co_await transport_->send(pdu);
    if (closing_) co_return false;
    if (sent) {
      if (!reason_) reason_ = sent;
      co_return false;
    }
    if (state == Login::State::failed) {
      if (!reason_) reason_ = make_error_code(errc::login_failed);
      co_return false;
    }
    if (state == Login::State::complete) {
      login_timer_.cancel();
      stat_sn_ = login->next_stat_sn();
      negotiator_ = login->take_negotiator();
      enter_full_feature_phase(login->outcome());
      co_return true;
    }
  }
}

bool Connection::bind_session(Login& login, LoginReply& reply) {
  const LoginOutcome& o = login.outcome();
  std::shared_ptr<TargetRuntime> target;
  if (o.target) {
    target = core_->targets.find(o.target->node->name);
    if (!target) {
      login.refuse(iscsi::LoginStatus::target_removed, reply);
      return false;
    }
  }
  std::shared_ptr<Session> session;
  bool created = false;
  if (o.tsih == 0) {
    SessionIdentity identity;
    identity.type = o.session_type;
    identity.initiator_name = o.params.session.initiator_name;
    identity.initiator_alias = o.params.session.initiator_alias;
    identity.isid = o.isid;
    identity.target_name = o.target ? o.target->node->name : std::string();
    identity.tpgt = o.target ? o.target->tpgt : 0;
    session = core_->sessions.create(std::move(identity), o.params.session, target, o.cmd_sn, kCommandWindow);
    if (!session) {
      login.refuse(iscsi::LoginStatus::out_of_resources, reply);
      return false;
    }
    created = true;
  } else {
    session = core_->sessions.find(o.tsih);
    if (!session || session->ended() || session->identity().isid != o.isid ||
        session->identity().initiator_name != o.params.session.initiator_name) {
      login.refuse(iscsi::LoginStatus::session_does_not_exist, reply);
      return false;
    }
    // Connection reinstatement (RFC 7143 6.3.4): a login with the CID of a live connection
    // of the session replaces it; at ErrorRecoveryLevel 0 its tasks are terminated.
    if (auto old = session->find_connection(o.cid)) {
      session->remove_connection(old.get());
      old->close(make_error_code(errc::reinstated));
    }
  }
  if (!session->add_connection(shared_from_this(), o.cid)) {
    if (created) {
      session->end(make_error_code(errc::login_failed));
      core_->sessions.remove(*session);
    }
    login.refuse(iscsi::LoginStatus::too_many_connections, reply);
    return false;
  }
  reply.header.tsih = session->tsih();
  const auto [exp_cmd_sn, max_cmd_sn] = session->window();
  reply.header.exp_cmd_sn = exp_cmd_sn;
  reply.header.max_cmd_sn = max_cmd_sn;
  std::lock_guard lock(info_mutex_);
  session_ = std::move(session);
  return true;
}

void Connection::enter_full_feature_phase(const LoginOutcome& outcome) {
  // RFC 7143 13.1, 13.12: digests and our MaxRecvDataSegmentLength apply from the first
  // PDU after the Login Phase, in both directions.
  transport_->configure({outcome.params.connection.max_recv_data_segment_length,
                         outcome.params.connection.header_digest == iscsi::DigestType::crc32c,
                         outcome.params.connection.data_digest == iscsi::DigestType::crc32c});
  if (outcome.target) {
    nop_ = outcome.target->node->nop;
    // A target that wants a plainer path than its portal's moves its connections where the
    // transport can (only to tcp, see offload::Transport::switch_to_tcp).
    if (outcome.target->node->offload == offload::Policy::tcp) (void)transport_->switch_to_tcp("target policy is tcp");
  } else {
    nop_ = core_->discovery.load()->nop;
  }
  {
    std::lock_guard lock(info_mutex_);
    params_ = outcome.params.connection;
    cid_ = outcome.cid;
    state_ = ConnectionState::full_feature;
  }
  last_received_ = std::chrono::steady_clock::now();
}

}  // namespace uiscsi::target::iscsit
