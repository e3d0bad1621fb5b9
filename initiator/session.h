// An iSCSI session in Full Feature Phase (RFC 7143 4, 7): the initiator's handle for
// sending SCSI commands, text requests and task management to one target.
//
//   auto opened = co_await Session::open(io, config, make_connector(io, registry));
//   if (opened.ec) ... opened.error says why (a refused login carries its LoginStatus)
//   Session& s = *opened.session;
//   CommandResult r = co_await s.execute(command);
//   co_await s.logout();
//
// What it does for every command: allocates an Initiator Task Tag, waits for room in the
// CmdSN window (ExpCmdSN..MaxCmdSN, RFC 7143 4.2.2.1; commands queue while it is closed),
// sends ImmediateData and unsolicited Data-Out up to FirstBurstLength, answers R2Ts with
// Data-Out sequences no larger than the target's MaxRecvDataSegmentLength, lets Data-In
// land in the caller's buffers (Transport::expect, or a copy when the transport could not
// place it), takes the status from a SCSI Response or a phase-collapsed Data-In, and
// reports residuals and sense. It answers the target's NOP-In pings, pings an idle target
// itself, follows Async Messages, and recovers from timeouts and lost connections as
// initiator/recovery.h describes. With NegotiationSettings::max_connections above 1 it adds
// connections to the session (MC/S) up to what the target allows, and gives each new command
// to the connection with the fewest outstanding ones; a command and its Data-Out, R2Ts and
// ABORT TASK stay on that connection (connection allegiance, RFC 7143 4.1.1).
//
// Threading: a session lives on one io_context; call every member on that thread. The
// awaitables run on it too. Many commands may be in flight at once (one coroutine each).
//
// Lifetime: destroying the Session closes it (see close()). Operations still in flight
// then complete with errc::session_closed; the internal state they use lives until the
// last one has.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "initiator/command.h"
#include "initiator/config.h"
#include "initiator/connector.h"
#include "initiator/recovery.h"
#include "iscsi/negotiation_params.h"
#include "iscsi/text.h"
#include "offload/counters.h"
#include "offload/path.h"
#include "offload/socket_address.h"

namespace boost::asio {
class io_context;
}

namespace uiscsi::initiator {

namespace detail {
class SessionCore;
}

enum class SessionState : std::uint8_t {
  logged_in,   // Full Feature Phase: commands flow
  draining,    // a logout is coming: new commands wait, outstanding ones finish
  recovering,  // the connection was lost: I/O is held while we log in again
  failed,      // replacement timeout expired: every command fails with session_failed
  closed,      // logged out or closed
};

std::string_view to_string(SessionState state) noexcept;

// One connection of a session (MC/S: several).
struct ConnectionInfo {
  std::uint16_t cid = 0;
  Portal portal;
  offload::PathInfo path;
  offload::Counters counters;
  offload::SocketAddress local;
  offload::SocketAddress remote;
  std::uint32_t exp_stat_sn = 0;
  std::size_t scsi_tasks = 0;  // outstanding SCSI commands allegiant to it
};

// A snapshot for tools (`uiscsiadm session show`) and tests.
struct SessionInfo {
  SessionState state = SessionState::closed;
  iscsi::Isid isid{};
  std::uint16_t tsih = 0;
  Portal portal;  // where the leading (or last) connection is logged in
  iscsi::NegotiatedParams params;
  offload::PathInfo path;
  offload::Counters counters;  // of the leading connection
  // The leading connection's 4-tuple, as the kernel reports it (AF_UNSPEC without one).
  offload::SocketAddress local;
  offload::SocketAddress remote;
  std::uint32_t cmd_sn = 0;    // the next CmdSN
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  std::uint32_t exp_stat_sn = 0;  // on the leading connection
  std::size_t outstanding_tasks = 0;
  // The session's connections (while recovering: the lost ones), the leading one (whose
  // figures are above) first.
  std::vector<ConnectionInfo> connections;
  RecoveryStats recovery;
  std::string last_error;  // why the last connection was lost, or the last login failed
};

struct TextResult {
  std::error_code ec;
  iscsi::TextPairs pairs;  // the target's whole answer, joined across PDUs
};

class Session;

struct SessionOpen {
  std::unique_ptr<Session> session;  // null on error
  std::error_code ec;
  std::string error;
};

class Session {
 public:
  // Connects to config.portal and logs in (initiator/login.h). A failure here is returned
  // at once, without the retries of recovery.
  static boost::asio::awaitable<SessionOpen> open(boost::asio::io_context& io, SessionConfig config,
                                                  Connector connector);

  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Runs one SCSI command to its status. See initiator/command.h for the buffers. Errors
  // are in CommandResult::ec, never thrown.
  boost::asio::awaitable<CommandResult> execute(const Command& command);

  // A Text Request (RFC 7143 11.10) in Full Feature Phase, e.g. SendTargets=All on a
  // discovery session; continued requests and responses (C bit, TTT) are handled.
  boost::asio::awaitable<TextResult> text(iscsi::TextPairs request);

  // LOGICAL UNIT RESET (RFC 7143 11.5.1) of `lun` (the 8-byte LUN field). Commands that
  // were running there are sent again.
  boost::asio::awaitable<std::error_code> reset_lun(std::uint64_t lun);

  // Waits for outstanding commands (at most Timeouts::command), logs the session out
  // (RFC 7143 11.14, reason "close the session") and closes it. Commands submitted
  // meanwhile fail with session_closed.
  boost::asio::awaitable<std::error_code> logout();

  // Closes the connection without logging out and ends every operation in flight with
  // errc::session_closed. Idempotent.
  void close() noexcept;

  SessionInfo info() const;
  SessionState state() const noexcept;
  const SessionConfig& config() const noexcept;
  boost::asio::any_io_executor get_executor() const noexcept;

 private:
  explicit Session(std::shared_ptr<detail::SessionCore> core);
  std::shared_ptr<detail::SessionCore> core_;
};

}  // namespace uiscsi::initiator
