// One iSCSI connection of the target (RFC 7143 4.4.3, 8.1.3): its Login Phase, its receive
// loop and PDU dispatch in Full Feature Phase, and its send queue.
//
// A connection lives on one io_context thread (ARCHITECTURE.md). Every member function that
// is not marked "any thread" runs there. Its code is split by role:
//   connection.cpp       life cycle, receive loop, dispatch, CmdSN ordering, teardown
//   connection_login.cpp the Login Phase and binding to a session
//   connection_send.cpp  the send queue and sequence-number stamping
//   scsi_command.cpp     SCSI Command, Data-Out, R2T, execution, Data-In and SCSI Response
//   tmf.cpp, nop.cpp, logout.cpp, text_request.cpp, reject.cpp: one PDU kind each
//
// SCSI commands run inline on the connection's thread (Target::execute is synchronous);
// a slow backend stalls the other connections of that thread. A later change may move
// blocking backend calls to a pool.
//
// Ownership: the Connection owns its transport (unique_ptr). It is shared (shared_ptr) by its
// own coroutines, the server's connection list (weakly) and its session (weakly); it is
// destroyed when its last coroutine has finished after close.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "iscsi/negotiation.h"
#include "iscsi/pdu_parser.h"
#include "iscsi/reject.h"
#include "iscsi/text_continuation.h"
#include "offload/transport.h"
#include "target/iscsi/error.h"
#include "target/iscsi/login.h"
#include "target/iscsi/server.h"
#include "target/iscsi/server_core.h"
#include "target/iscsi/session.h"
#include "target/iscsi/task.h"

namespace uiscsi::target::iscsit {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `portal`: the listening address the connection arrived on (decides the portal group).
  Connection(std::shared_ptr<ServerCore> core, std::unique_ptr<offload::Transport> transport,
             offload::SocketAddress portal, boost::asio::io_context& io);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts the Login Phase. Call once.
  void start();
  // Any thread: closes the transport (pending operations end), aborts the connection's
  // tasks and leaves the session. Idempotent; the first reason is kept.
  void close(std::error_code why);
  // Any thread: a command the CmdSN order released for this connection.
  void deliver(Ordered item);
  // Any thread: sends an Async Message asking the initiator to log out within `seconds`
  // (AsyncEvent 1, RFC 7143 11.9.1).
  void request_logout(std::uint16_t seconds);
  // Any thread: aborts a task allegiant to this connection (no response is sent for it).
  void abort(std::shared_ptr<Task> task);
  // Any thread: moves the connection to the plain tcp path on its own thread (at once when
  // called there) and reports the outcome to `done`, on that thread (Server::switch_to_tcp).
  void switch_to_tcp(std::string reason, std::function<void(std::error_code)> done);
  // Any thread.
  ConnectionInfo info() const;
  std::shared_ptr<Session> session() const;
  std::uint64_t id() const noexcept { return id_; }

 private:
  using Awaitable = boost::asio::awaitable<void>;

  // --- connection.cpp ---
  Awaitable run();
  Awaitable receive_loop();
  void dispatch(iscsi::Pdu pdu);
  // Puts a non-immediate command through the session's CmdSN order (RFC 7143 3.2.2.1);
  // handles at once what it releases for this connection and posts the rest. False when
  // the CmdSN is outside the window and the command was ignored.
  bool order(std::uint32_t cmd_sn, Ordered item);
  void handle(Ordered item);
  void close_now(std::error_code why);
  void teardown();
  void set_state(ConnectionState state);
  // Closes the connection with `why` unless `timer` is cancelled first.
  Awaitable watchdog(boost::asio::steady_timer& timer, std::error_code why);

  // --- connection_login.cpp ---
  boost::asio::awaitable<bool> login_phase();
  bool bind_session(Login& login, LoginReply& reply);
  void enter_full_feature_phase(const LoginOutcome& outcome);

  // --- connection_send.cpp ---
  // How a PDU's StatSN field is filled (RFC 7143 3.2.2.2): a response takes the next StatSN
  // (advance); R2T and NOP-In pings carry it without taking it (current); Data-In without
  // status and Login Responses (whose StatSN the login set) leave it alone (none).
  enum class StatSn { advance, current, none };
  struct Outgoing {
    iscsi::Bhs bhs{};
    std::vector<std::byte> data{};            // owned data segment, or
    std::span<const std::byte> view{};        // a view into memory `keep` owns, or
    iscsi::FileSegment file{};                // a file range `keep` holds open (sendfile)
    std::shared_ptr<const void> keep{};
    StatSn stat_sn = StatSn::advance;
    bool window = true;                     // fill ExpCmdSN and MaxCmdSN from the session
    bool close_after = false;               // close the connection once it is sent
  };
  void send(Outgoing out);
  Awaitable write_queue();
  std::uint32_t next_target_transfer_tag() noexcept;

  // --- scsi_command.cpp ---
  void on_scsi_command(iscsi::Pdu pdu);
  void on_data_out(iscsi::Pdu pdu);
  void continue_task(const std::shared_ptr<Task>& task);
  void execute(const std::shared_ptr<Task>& task);
  void respond_refused(const std::shared_ptr<Task>& task);
  void send_r2ts(Task& task);
  // Drops a task allegiant to this connection: no response, its buffers released.
  void drop_task(const std::shared_ptr<Task>& task);
  void release_task(Task& task);
  // Remembers the ITT of a task that ended before all its Data-Out came (recently_ended_).
  void remember_ended(std::uint32_t itt);

  // --- tmf.cpp ---
  void on_task_management(const iscsi::Pdu& pdu);
  // --- nop.cpp ---
  void on_nop_out(const iscsi::Pdu& pdu);
  Awaitable nop_pinger();
  // --- logout.cpp ---
  void on_logout(const iscsi::Pdu& pdu);
  // --- text_request.cpp ---
  void on_text_request(const iscsi::Pdu& pdu);
  // Answers the complete request text: negotiation keys and SendTargets.
  void answer_text(const iscsi::TextPairs& pairs, const iscsi::Bhs& header);
  // Sends the next part of the pending Text Response, at most MaxRecvDataSegmentLength.
  void send_text_segment();
  // --- reject.cpp ---
  void reject(const iscsi::Bhs& header, iscsi::RejectReason reason);
  // Rejects a command PDU and, if it is non-immediate, uses up its CmdSN: the rejected
  // command counts as received, so later commands are not held waiting for it (RFC 7143 11.17).
  void reject_command(const iscsi::Bhs& header, iscsi::RejectReason reason);

  const std::shared_ptr<ServerCore> core_;
  // Destroyed on its io_context's thread (offload/transport.h), see ~Connection.
  std::unique_ptr<offload::Transport> transport_;
  const offload::SocketAddress portal_;
  // The 4-tuple, read once: the transport's accessors belong to its own thread.
  const offload::SocketAddress local_;
  const offload::SocketAddress remote_;
  boost::asio::io_context& io_;
  const std::uint64_t id_;

  // Connection state (this thread).
  bool closing_ = false;
  bool ending_ = false;  // no more receiving: close once the send queue is empty
  std::error_code reason_;
  std::shared_ptr<Session> session_;
  std::optional<iscsi::Negotiator> negotiator_;  // kept for Text negotiation in Full Feature Phase
  iscsi::ConnectionParams params_;
  std::uint16_t cid_ = 0;
  std::uint32_t stat_sn_ = 0;
  std::uint32_t next_ttt_ = 1;
  boost::asio::steady_timer closed_;       // cancelled by close_now(): wakes run()
  boost::asio::steady_timer login_timer_;  // Config::login_timeout
  boost::asio::steady_timer drain_timer_;  // kDrainTimeout once the connection is ending
  boost::asio::steady_timer nop_timer_;    // the NOP-In pinger's tick

  // Send queue (connection_send.cpp).
  std::deque<Outgoing> queue_;
  bool writing_ = false;

  // Tasks allegiant to this connection, and the Data-Out buffers they hold.
  std::unordered_map<std::uint32_t, std::shared_ptr<Task>> tasks_;
  std::uint64_t buffered_bytes_ = 0;
  // ITTs of tasks that ended while Data-Out for them may still be on the wire (aborted
  // or refused); their late Data-Out is dropped silently instead of rejected.
  std::deque<std::uint32_t> recently_ended_;

  // NOP-In ping (nop.cpp): the TTT of the unanswered ping and when it was sent.
  std::optional<std::uint32_t> ping_ttt_;
  std::chrono::steady_clock::time_point ping_sent_;
  std::chrono::steady_clock::time_point last_received_;
  NopConfig nop_;

  // Text exchange in Full Feature Phase (text_request.cpp).
  struct TextExchange {
    std::uint32_t itt = iscsi::kReservedTag;
    std::uint32_t ttt = iscsi::kReservedTag;  // of our last response that wants a follow-up
    std::uint64_t lun = 0;
    iscsi::TextAccumulator request;
    bool answering = false;            // the request is complete; `response` is being sent
    std::vector<std::byte> response;   // the serialized answer
    std::size_t sent = 0;              // bytes of it sent so far
  };
  std::optional<TextExchange> text_;

  // Snapshot fields for info() and session(), any thread: written on this thread under
  // info_mutex_ (session_, cid_ and params_ too, once, when the login completes).
  mutable std::mutex info_mutex_;
  std::atomic<std::uint32_t> task_count_{0};
  ConnectionState state_ = ConnectionState::login;
  std::string initiator_name_;
  std::string target_name_;
};

}  // namespace uiscsi::target::iscsit
