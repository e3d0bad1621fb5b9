// An iSCSI session (RFC 7143 3.4, 4.4.2): one I_T nexus, its connections, its command
// window and its tasks.
//
// Threading: the connections of a session (MC/S) may run on different io_context threads.
// The state they share (command window, held commands, task table, connection list) is
// behind one mutex, held only for bookkeeping, never while a command executes or a PDU is
// sent. A task's own state belongs to its allegiant connection's thread (task.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "iscsi/negotiation_params.h"
#include "iscsi/pdu_login.h"
#include "iscsi/pdu_parser.h"
#include "iscsi/serial.h"
#include "target/iscsi/command_window.h"
#include "target/iscsi/task.h"
#include "target/iscsi/target_table.h"
#include "target/scsi/command.h"

namespace uiscsi::target::iscsit {

class Connection;

// Something the CmdSN order released, to be handled on `connection`'s thread.
struct Ordered {
  std::weak_ptr<Connection> connection;
  std::shared_ptr<Task> task;      // a SCSI Command
  std::optional<iscsi::Pdu> pdu;   // any other non-immediate command (NOP-Out, Text, TMF, Logout)
  // Neither: a CmdSN that is used up without work (a command we rejected, or the RefCmdSN of
  // an ABORT TASK for a command that never arrived, RFC 7143 11.5.1 b).
};

struct SessionIdentity {
  iscsi::SessionType type = iscsi::SessionType::normal;
  std::string initiator_name;
  std::string initiator_alias;
  iscsi::Isid isid{};
  std::string target_name;  // empty for discovery
  std::uint16_t tpgt = 0;
};

class Session {
 public:
  // `first_cmd_sn`: the CmdSN of the leading login; `depth`: the command window size.
  Session(SessionIdentity identity, std::uint16_t tsih, iscsi::SessionParams params,
          std::shared_ptr<TargetRuntime> target, std::uint32_t first_cmd_sn, std::uint32_t depth);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const SessionIdentity& identity() const noexcept { return identity_; }
  std::uint16_t tsih() const noexcept { return tsih_; }
  const iscsi::SessionParams& params() const noexcept { return params_; }
  // The SCSI target device; null for a discovery session.
  const std::shared_ptr<TargetRuntime>& target() const noexcept { return target_; }
  const scsi::Nexus& nexus() const noexcept { return nexus_; }
  bool is_discovery() const noexcept { return identity_.type == iscsi::SessionType::discovery; }

  // --- Command ordering (RFC 7143 3.2.2.1) -------------------------------------------
  // A non-immediate command with `cmd_sn` arrived. Outside [ExpCmdSN, MaxCmdSN] it is
  // ignored (returns false: RFC 7143 4.2.2.1 "silently ignored"); otherwise it is held
  // until every CmdSN before it has come, and `released` receives, in CmdSN order, what
  // can now be handled (this command among them if it was next).
  bool order(std::uint32_t cmd_sn, Ordered item, std::vector<Ordered>& released);
  // A released command is done: its window slot is free again (MaxCmdSN advances).
  void finished();
  // ExpCmdSN and MaxCmdSN for the next PDU we send.
  std::pair<std::uint32_t, std::uint32_t> window() const;

  // --- Tasks -----------------------------------------------------------------------------
  // Registers a task; false if its Initiator Task Tag is already in use (RFC 7143 11.17.1
  // "task in progress").
  bool add_task(const std::shared_ptr<Task>& task);
  std::shared_ptr<Task> find_task(std::uint32_t itt) const;
  void remove_task(std::uint32_t itt);
  // The tasks `match` selects (it runs under the session lock: keep it short).
  std::vector<std::shared_ptr<Task>> tasks_where(const std::function<bool(const Task&)>& match) const;
  // ABORT TASK for a task that is not there (RFC 7143 11.5.1 b): if `ref_cmd_sn` is inside
  // the window and before the TMF's own CmdSN, the command is considered received: its CmdSN
  // is used up so the window does not wait for it forever. Returns whether it was.
  bool consume_missing(std::uint32_t ref_cmd_sn, std::uint32_t tmf_cmd_sn, std::vector<Ordered>& released);

  // --- Connections (MC/S) ----------------------------------------------------------------
  // False when the session already ended or MaxConnections is reached.
  bool add_connection(const std::shared_ptr<Connection>& connection, std::uint16_t cid);
  void remove_connection(const Connection* connection);
  std::vector<std::shared_ptr<Connection>> connections() const;
  std::shared_ptr<Connection> find_connection(std::uint16_t cid) const;
  std::size_t connection_count() const;

  // Ends the session once: the SCSI layer loses the I_T nexus, every task is aborted and
  // every connection is closed with `why`. Returns false if it had already ended.
  bool end(std::error_code why);
  bool ended() const;

 private:
  std::vector<Ordered> drain_locked();

  const SessionIdentity identity_;
  const std::uint16_t tsih_;
  const iscsi::SessionParams params_;
  const std::shared_ptr<TargetRuntime> target_;
  const scsi::Nexus nexus_;

  mutable std::mutex mutex_;
  CommandWindow window_;
  // Commands ahead of ExpCmdSN, by CmdSN; only ever looked up by exact CmdSN, so the
  // wrap-around of the key does not matter.
  std::unordered_map<std::uint32_t, Ordered> held_;
  std::unordered_map<std::uint32_t, std::shared_ptr<Task>> tasks_;
  struct Member {
    std::weak_ptr<Connection> connection;
    const Connection* raw;
    std::uint16_t cid;
  };
  std::vector<Member> connections_;
  bool ended_ = false;
};

// The SCSI port names of a session (target/scsi/command.h Nexus, RFC 7143 13.5.1).
scsi::Nexus make_nexus(const SessionIdentity& identity, std::uint16_t relative_port);

}  // namespace uiscsi::target::iscsit
