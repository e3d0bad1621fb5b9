// The session's state and machinery behind initiator::Session. Internal to the initiator.
//
// Everything runs on one io_context thread: no locks. The parts live in separate files:
//   session_core.cpp   state, CmdSN window, task table, connection loss, close
//   receiver.cpp       the receive loop of a connection and the dispatch of target PDUs
//   scsi_task.cpp      a SCSI command from CmdSN to status, with its Data-Out
//   control_tasks.cpp  task management, text, logout and NOP-Out exchanges
//   keepalive.cpp      NOP-Out pings of an idle connection
//   ../recovery.cpp    timeout escalation and session reinstatement
//
// Ownership: the core is shared (std::shared_ptr) by the Session handle and by every
// coroutine it runs, so it outlives all of them. A Connection is shared by the core and by
// the coroutines using its transport; a lost connection's transport is closed at once and
// freed once the last of them is done. A Task lives in the frame of the coroutine that
// issued it and is in the task table exactly while that coroutine waits for it.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "initiator/command.h"
#include "initiator/config.h"
#include "initiator/connector.h"
#include "initiator/detail/wakeup.h"
#include "initiator/login.h"
#include "initiator/recovery.h"
#include "initiator/session.h"
#include "iscsi/pdu.h"
#include "offload/transport.h"

namespace uiscsi::initiator::detail {

// One logged-in connection of the session (with MC/S, one of several).
struct Connection {
  std::unique_ptr<offload::Transport> transport;
  std::uint64_t generation = 0;  // counts the session's connections
  std::uint16_t cid = 0;
  iscsi::ConnectionParams params;
  Portal portal;
  bool alive = true;  // false once lost or closed; never true again
  Clock::time_point last_received;
  // StatSN is per connection (RFC 7143 4.2.2.2): what we acknowledge on this one.
  std::uint32_t exp_stat_sn = 0;
  // SCSI tasks allegiant to this connection, to spread new ones over the session's.
  std::size_t scsi_tasks = 0;
};

enum class TaskKind : std::uint8_t { scsi, task_management, text, logout, nop };

// One exchange with the target under an Initiator Task Tag. The receive side (or recovery)
// records what happened and wakes the owner, which acts on it.
struct Task {
  Task(const boost::asio::any_io_executor& executor, TaskKind kind) : kind(kind), wake(executor) {}

  TaskKind kind;
  std::uint32_t itt = 0;
  std::uint64_t lun = 0;
  std::uint32_t cmd_sn = 0;
  std::shared_ptr<Connection> connection;
  Wakeup wake;

  // How it ended (set before wake.notify()).
  bool done = false;     // the final response is in `response`
  bool lost = false;     // its connection is gone (or the session closed)
  bool aborted = false;  // ended by a LOGICAL UNIT RESET or Async Message of another task
  std::error_code failure;  // ended by a Reject, or by a protocol error of the target
  iscsi::Pdu response;

  // SCSI commands only.
  const Command* command = nullptr;
  std::uint32_t data_in_bytes = 0;
  std::uint32_t next_data_sn = 0;
  bool data_sequence_error = false;  // a Data-In was missing or out of order (DataSN)
  std::deque<iscsi::R2t> r2ts;       // received, not yet answered
  Clock::time_point progress;        // the last PDU of this task from the target
};

// The steps of timeout escalation (initiator/recovery.h), in order.
enum class EscalationStep : std::uint8_t { abort_task, lun_reset, new_connection };

class SessionCore : public std::enable_shared_from_this<SessionCore> {
 public:
  SessionCore(boost::asio::any_io_executor executor, SessionConfig config, Connector connector);

  // --- Lifecycle (session_core.cpp) -----------------------------------------------------
  // The first login and the background loops. On error `why` says what failed.
  boost::asio::awaitable<std::error_code> start(std::string& why);
  void close() noexcept;
  SessionInfo info() const;
  SessionState state() const noexcept { return state_; }
  const SessionConfig& config() const noexcept { return config_; }
  const boost::asio::any_io_executor& executor() const noexcept { return executor_; }

  // --- Operations -----------------------------------------------------------------------
  boost::asio::awaitable<CommandResult> execute(const Command& command);         // scsi_task.cpp
  boost::asio::awaitable<TextResult> text(iscsi::TextPairs request);             // control_tasks.cpp
  boost::asio::awaitable<std::error_code> logout();                              // control_tasks.cpp
  // An immediate Task Management Function Request; the response code, or an error
  // (connection_lost, task_management_failed on timeout).
  struct TmfOutcome {
    std::error_code ec;
    iscsi::TmfResponse response = iscsi::TmfResponse::function_rejected;
  };
  // It goes on `connection` (ABORT TASK: the task's own, RFC 7143 11.5.1), or the leading one.
  boost::asio::awaitable<TmfOutcome> task_management(iscsi::TmfFunction function, std::uint64_t lun,
                                                     std::uint32_t referenced_itt = iscsi::kReservedTag,
                                                     std::uint32_t ref_cmd_sn = 0,
                                                     std::shared_ptr<Connection> connection = nullptr);
  // LOGICAL UNIT RESET, then every other task on `lun` is ended and sent again.
  boost::asio::awaitable<std::error_code> reset_lun(std::uint64_t lun);

  // --- Used across the parts --------------------------------------------------------------
  // Declares `connection` lost: closes it, marks its tasks lost and starts recovery. At
  // ERL 0 a lost connection of an MC/S session takes the whole session down with it: its
  // tasks cannot move to another connection (that is ERL 2), and a command the target never
  // received leaves a CmdSN gap that stalls the others (RFC 7143 7.1.5, 4.2.2.1).
  void connection_failed(Connection& connection, std::string why);
  // Marks every task on `lun` but `except` as aborted and wakes them.
  void abort_lun_tasks(std::uint64_t lun, const Task* except);
  // The target's StatSN on `connection`, and the session's command window, from any PDU that
  // carries them.
  static void acknowledge_status(Connection& connection, std::uint32_t stat_sn) noexcept;
  void update_window(std::uint32_t exp_cmd_sn, std::uint32_t max_cmd_sn) noexcept;

 private:
  friend class TaskRegistration;

  // --- session_core.cpp
  // Waits until a command may be sent: logged in and, when `needs_cmd_sn`, CmdSN inside the
  // window. The error says why never (session_failed, session_closed).
  boost::asio::awaitable<std::error_code> wait_ready(bool needs_cmd_sn);
  bool window_open() const noexcept;
  std::uint32_t allocate_itt() noexcept;
  // The leading connection (null while there is none); text, logout and LUN resets go there.
  const std::shared_ptr<Connection>& leading() const noexcept;
  // Where a new SCSI command goes: the live connection with the fewest SCSI tasks.
  std::shared_ptr<Connection> pick_connection() const;
  // A Connection with CID `cid` for the transport and login results of `established`.
  std::shared_ptr<Connection> make_connection(Established& established, std::uint16_t cid);
  // Makes `established` the session's leading connection (a new epoch); commands flow.
  void install(Established established);
  // MC/S: logs in connections 1..n-1 of the session installed as `epoch`, one after the
  // other, to `portal`; a refusal is recorded and ends the additions (the session runs on
  // what it has). Commands keep flowing on the connections already in meanwhile.
  boost::asio::awaitable<void> add_connections(std::uint64_t epoch, Portal portal);
  void start_connection(const std::shared_ptr<Connection>& connection);
  void set_state(SessionState state) noexcept;
  std::error_code closed_error() const noexcept;

  // --- receiver.cpp
  boost::asio::awaitable<void> receive_loop(std::shared_ptr<Connection> connection);
  // Empty, or why the PDU breaks the connection (RFC 7143 at ERL 0: drop it).
  std::string dispatch(const std::shared_ptr<Connection>& connection, iscsi::Pdu& pdu);
  void on_data_in(Connection& connection, iscsi::Pdu& pdu);
  void on_r2t(const iscsi::Pdu& pdu);
  void on_nop_in(const std::shared_ptr<Connection>& connection, iscsi::Pdu& pdu);
  void on_async_message(const std::shared_ptr<Connection>& connection, const iscsi::Pdu& pdu);
  void on_reject(Connection& connection, const iscsi::Pdu& pdu);
  void complete(std::uint32_t itt, TaskKind kind, iscsi::Pdu& pdu);
  Task* find(std::uint32_t itt, TaskKind kind) noexcept;

  // --- scsi_task.cpp
  enum class Attempt : std::uint8_t { done, lost, aborted, swept, failed };
  // `step`: where escalation starts if this attempt times out; moved past the step that
  // ended it, so that the next timeout of the same command goes further.
  boost::asio::awaitable<Attempt> run_attempt(Task& task, const Command& command, EscalationStep& step);
  boost::asio::awaitable<std::error_code> send_command(Task& task, const Command& command,
                                                       std::uint32_t immediate_length, bool final);
  boost::asio::awaitable<std::error_code> send_data_out(Task& task, const Command& command,
                                                        std::uint32_t target_transfer_tag,
                                                        std::uint32_t offset, std::uint32_t length);
  CommandResult result_of(const Task& task) const;

  // --- control_tasks.cpp
  // Sends `pdu` for the registered `task` and waits for its answer until `timeout`.
  boost::asio::awaitable<std::error_code> exchange(Task& task, iscsi::OutgoingPdu& pdu, Milliseconds timeout);
  boost::asio::awaitable<void> requested_logout(std::shared_ptr<Connection> connection, Milliseconds within);
  boost::asio::awaitable<std::error_code> send_logout(const std::shared_ptr<Connection>& connection);
  boost::asio::awaitable<void> drain(Clock::time_point deadline);
  boost::asio::awaitable<void> answer_nop_in(std::shared_ptr<Connection> connection, iscsi::NopIn nop);

  // --- keepalive.cpp
  boost::asio::awaitable<void> keepalive_loop();
  boost::asio::awaitable<bool> ping(std::shared_ptr<Connection> connection);

  // --- recovery.cpp
  // Ends a timed-out task, trying the steps from `from` on. The step that ended it, or
  // nullopt when something else settled the task meanwhile (look at it again).
  boost::asio::awaitable<std::optional<EscalationStep>> escalate(Task& task, EscalationStep from);
  boost::asio::awaitable<void> recovery_loop();

  boost::asio::any_io_executor executor_;
  SessionConfig config_;
  Connector connector_;
  iscsi::Isid isid_{};
  std::uint16_t tsih_ = 0;

  SessionState state_ = SessionState::recovering;
  // The connections of the current (while recovering: the last) login, leading one first
  // (CID 0). Lost ones stay, not alive, until the next install replaces them all.
  std::vector<std::shared_ptr<Connection>> connections_;
  std::uint64_t generation_ = 0;
  std::uint64_t epoch_ = 0;  // counts installs: additions of an older session are dropped
  iscsi::NegotiatedParams params_;

  // RFC 7143 4.2.2.1: the next CmdSN to assign, and the target's window.
  std::uint32_t cmd_sn_ = 1;
  std::uint32_t exp_cmd_sn_ = 1;
  std::uint32_t max_cmd_sn_ = 1;

  std::unordered_map<std::uint32_t, Task*> tasks_;
  std::uint32_t next_itt_ = 1;

  Broadcast changed_;     // state or window changed
  Wakeup recovery_wake_;  // the connection was lost, or the session closed
  Wakeup keepalive_wake_;
  bool escalating_ = false;
  bool user_logout_ = false;  // logout() runs: a lost connection ends the session
  Broadcast escalation_done_;

  Clock::time_point lost_at_;
  Clock::time_point reconnect_not_before_;  // Time2Wait of an Async Message
  RecoveryStats stats_;
  std::string last_error_;
};

// Puts a task in the table under a fresh ITT for as long as it lives; on the way out it
// also withdraws the task's data buffers from its connection's transport.
class TaskRegistration {
 public:
  TaskRegistration(SessionCore& core, Task& task);
  ~TaskRegistration();
  TaskRegistration(const TaskRegistration&) = delete;
  TaskRegistration& operator=(const TaskRegistration&) = delete;

 private:
  SessionCore& core_;
  Task& task_;
};

// Runs the coroutine `make()` returns, detached, on `executor`. `make` (typically a lambda
// holding a shared_ptr to what the coroutine uses) is kept alive until the coroutine ends.
// An exception escaping it is a bug: it is rethrown out of io_context::run(), not lost.
template <typename MakeCoroutine>
void spawn(const boost::asio::any_io_executor& executor, MakeCoroutine make) {
  boost::asio::co_spawn(executor, std::move(make), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
}

}  // namespace uiscsi::initiator::detail
