#include "initiator/detail/login_channel.h"

#include <sys/uio.h>

#include "initiator/error.h"
#include "iscsi/login_status.h"
#include "iscsi/text_continuation.h"

namespace uiscsi::initiator::detail {

namespace asio = boost::asio;
using iscsi::LoginStage;

namespace {

// The target's MaxRecvDataSegmentLength is not known during login: RFC 7143 13.12 makes
// 8192 the value in force until it is declared, in both directions.
constexpr std::size_t kLoginSegment = 8192;

}  // namespace

LoginChannel::LoginChannel(offload::Transport& transport, const LoginState& state, std::uint32_t itt)
    : transport_(transport), state_(state), itt_(itt), exp_stat_sn_(state.exp_stat_sn) {}

asio::awaitable<std::error_code> LoginChannel::send(std::span<const std::byte> data, LoginStage csg,
                                                    bool transit, bool continued, LoginStage nsg) {
  iscsi::LoginRequest request;
  request.transit = transit;
  request.continue_ = continued;
  request.csg = csg;
  // NSG is reserved unless T is set (RFC 7143 11.12.3); zero it then.
  request.nsg = transit ? nsg : LoginStage::security_negotiation;
  request.version_max = 0;
  request.version_min = 0;
  request.isid = state_.isid;
  request.tsih = state_.tsih;
  request.initiator_task_tag = itt_;
  request.cid = state_.cid;
  // Login Requests are immediate: they all carry the session's next CmdSN without using it
  // up (RFC 7143 11.12.6), so the first command after login gets the same number.
  request.cmd_sn = state_.cmd_sn;
  request.exp_stat_sn = exp_stat_sn_;
  const iovec iov{const_cast<std::byte*>(data.data()), data.size()};
  iscsi::OutgoingPdu pdu{.bhs = request.encode(), .ahs = {},
                         .data = data.empty() ? std::span<const iovec>() : std::span<const iovec>(&iov, 1)};
  co_return co_await transport_.send(pdu);
}

asio::awaitable<std::error_code> LoginChannel::receive(LoginStage csg, iscsi::LoginResponse& response,
                                                       std::vector<std::byte>& data, std::string& why) {
  offload::Received r = co_await transport_.receive();
  if (r.ec) co_return r.ec;
  if (r.pdu.bhs.opcode() != iscsi::Opcode::login_response) {
    why = "expected a Login Response, got " + std::string(iscsi::name(r.pdu.bhs.opcode()));
    co_return make_error_code(errc::protocol_error);
  }
  response = iscsi::LoginResponse::decode(r.pdu.bhs);
  exp_stat_sn_ = response.stat_sn + 1;
  // A refused login says nothing else that is reliable; the status is the whole answer.
  if (response.status_class != 0) {
    data.assign(r.pdu.data.begin(), r.pdu.data.end());
    co_return std::error_code{};
  }
  if (response.initiator_task_tag != itt_ || response.isid != state_.isid) {
    why = "Login Response for another task or ISID";
    co_return make_error_code(errc::protocol_error);
  }
  if (response.csg != csg) {
    why = "Login Response in another stage than the request";
    co_return make_error_code(errc::protocol_error);
  }
  // RFC 7143 11.13.1: version-active must lie in [Version-min, Version-max] we sent (0, 0).
  if (first_response_ && response.version_active != 0) {
    why = "target answers with iSCSI version " + std::to_string(response.version_active);
    co_return make_error_code(iscsi::LoginStatus::unsupported_version);
  }
  first_response_ = false;
  data.assign(r.pdu.data.begin(), r.pdu.data.end());
  co_return std::error_code{};
}

asio::awaitable<std::error_code> LoginChannel::round(const iscsi::TextPairs& text, LoginStage csg,
                                                     bool transit, LoginStage nsg, LoginRound& out,
                                                     std::string& why) {
  std::vector<std::byte> wire;
  if (auto ec = iscsi::serialize_text(text, wire)) co_return ec;
  std::vector<iscsi::TextSegment> segments;
  if (auto ec = iscsi::split_text(wire, kLoginSegment, segments)) co_return ec;

  std::vector<std::byte> data;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const bool last = i + 1 == segments.size();
    if (auto ec = co_await send(segments[i].data, csg, last && transit, !last, nsg)) co_return ec;
    if (last) break;
    // RFC 7143 11.12.2: each partial request is answered by an empty Login Response.
    if (auto ec = co_await receive(csg, out.response, data, why)) co_return ec;
    if (out.response.status_class != 0) break;
    if (!data.empty() || out.response.transit || out.response.continue_) {
      why = "target answered a partial Login Request with text or a transit";
      co_return make_error_code(errc::protocol_error);
    }
  }
  if (out.response.status_class != 0 && segments.size() > 1) co_return std::error_code{};

  iscsi::TextAccumulator accumulator;
  for (;;) {
    if (auto ec = co_await receive(csg, out.response, data, why)) co_return ec;
    if (out.response.status_class != 0) {
      // A redirection's TargetAddress must still be readable: parse what there is.
      out.text.clear();
      (void)iscsi::parse_text(data, out.text);
      co_return std::error_code{};
    }
    if (auto ec = accumulator.append(data, out.response.continue_)) co_return ec;
    if (!out.response.continue_) break;
    // RFC 7143 11.13.2: a response with C set is continued after an empty request; T and C
    // may not both be set (11.12.2), which the target broke if it did.
    if (out.response.transit) {
      why = "Login Response with both T and C set";
      co_return make_error_code(errc::protocol_error);
    }
    if (auto ec = co_await send({}, csg, false, false, nsg)) co_return ec;
  }
  out.text.clear();
  if (auto ec = accumulator.take(out.text)) co_return ec;
  if (out.response.transit && (!transit || out.response.nsg != nsg)) {
    why = "target changed stage without being asked to";
    co_return make_error_code(errc::protocol_error);
  }
  co_return std::error_code{};
}

}  // namespace uiscsi::initiator::detail
