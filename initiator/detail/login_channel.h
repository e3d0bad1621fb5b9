// The PDU side of one connection's login: Login Requests out, Login Responses in, with the
// key=value text cut into and joined from several PDUs when it does not fit one
// (RFC 7143 6.1, 11.12.2 C bit). The stage logic (what to say, when to transit) is in
// initiator/login.cpp; this only moves text.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>
#include <system_error>

#include "initiator/login.h"
#include "iscsi/pdu_login.h"
#include "iscsi/text.h"
#include "offload/transport.h"

namespace uiscsi::initiator::detail {

// What one request/response round gave.
struct LoginRound {
  iscsi::LoginResponse response;  // the last Login Response of the round (T, NSG, status)
  iscsi::TextPairs text;          // the whole text of the response, joined
};

class LoginChannel {
 public:
  // `transport` must outlive the channel. The ITT of every Login Request of this login.
  LoginChannel(offload::Transport& transport, const LoginState& state, std::uint32_t itt);

  // Sends `text` in stage `csg` (C bit on every PDU but the last; the target answers those
  // with empty responses), with T = `transit` and NSG = `nsg` on the last PDU, then collects
  // the response, asking for the rest with empty requests while it has C set. A response
  // with a non-zero Status-Class ends the round at once (its text is still returned, since a
  // redirection carries TargetAddress). Errors: transport errors, errc::protocol_error (a
  // response that is not a Login Response, or names another task or ISID, or changes stage
  // when it may not) with `why` explaining, and text codec errors.
  boost::asio::awaitable<std::error_code> round(const iscsi::TextPairs& text, iscsi::LoginStage csg,
                                                bool transit, iscsi::LoginStage nsg, LoginRound& out,
                                                std::string& why);

  // The StatSN of the last response + 1: what the next request acknowledges.
  std::uint32_t exp_stat_sn() const noexcept { return exp_stat_sn_; }

 private:
  boost::asio::awaitable<std::error_code> send(std::span<const std::byte> data, iscsi::LoginStage csg,
                                               bool transit, bool continued, iscsi::LoginStage nsg);
  boost::asio::awaitable<std::error_code> receive(iscsi::LoginStage csg, iscsi::LoginResponse& response,
                                                  std::vector<std::byte>& data, std::string& why);

  offload::Transport& transport_;
  LoginState state_;
  std::uint32_t itt_;
  std::uint32_t exp_stat_sn_;
  bool first_response_ = true;
};

}  // namespace uiscsi::initiator::detail
