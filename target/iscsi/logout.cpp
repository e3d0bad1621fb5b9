// Logout (RFC 7143 11.14, 11.15) and the target's request to log out (Async Message,
// AsyncEvent 1, RFC 7143 11.9.1).
#include <boost/asio/post.hpp>

#include "iscsi/pdu_async.h"
#include "iscsi/pdu_logout.h"
#include "target/iscsi/connection.h"

namespace uiscsi::target::iscsit {

namespace asio = boost::asio;

void Connection::on_logout(const iscsi::Pdu& pdu) {
  const iscsi::LogoutRequest request = iscsi::LogoutRequest::decode(pdu.bhs);
  iscsi::LogoutResponse response;
  response.initiator_task_tag = request.initiator_task_tag;
  // At ErrorRecoveryLevel 0 nothing is kept for a reconnect (RFC 7143 11.15.2, 11.15.3).
  response.time2wait = 0;
  response.time2retain = 0;
  switch (request.reason) {
    case iscsi::LogoutReason::close_session:
      set_state(ConnectionState::logging_out);
      reason_ = make_error_code(errc::logged_out);
      for (const auto& other : session_->connections()) {
        if (other.get() != this) other->close(make_error_code(errc::logged_out));
      }
      send({.bhs = response.encode(), .close_after = true});
      return;
    case iscsi::LogoutReason::close_connection:
      if (request.cid == cid_) {
        set_state(ConnectionState::logging_out);
        reason_ = make_error_code(errc::logged_out);
        send({.bhs = response.encode(), .close_after = true});
        return;
      }
      // Closing another connection of the session from here (RFC 7143 11.14.1).
      if (const auto other = session_->find_connection(request.cid)) {
        other->close(make_error_code(errc::logged_out));
      } else {
        response.response = iscsi::LogoutResponseCode::cid_not_found;
      }
      send({.bhs = response.encode()});
      return;
    case iscsi::LogoutReason::remove_connection_for_recovery:
      // Connection recovery needs ErrorRecoveryLevel 2 (RFC 7143 11.15.1).
      response.response = iscsi::LogoutResponseCode::connection_recovery_not_supported;
      send({.bhs = response.encode()});
      return;
  }
  reject(pdu.bhs, iscsi::RejectReason::invalid_pdu_field);
}

void Connection::request_logout(std::uint16_t seconds) {
  asio::post(io_, [self = shared_from_this(), seconds] {
    if (self->closing_ || !self->session_) return;
    self->set_state(ConnectionState::logging_out);
    iscsi::AsyncMessage message;
    message.async_event = iscsi::AsyncEvent::logout_request;
    message.parameter3 = seconds;  // log out within this many seconds
    self->send({.bhs = message.encode()});
  });
}

}  // namespace uiscsi::target::iscsit
