// The iSCSI target server: listens on the portals of a Config, runs the Login Phase and the
// Full Feature Phase of every connection (RFC 7143), and hands SCSI commands to the SCSI
// layer (target/scsi/target.h).
//
// Threads: the server owns one io_context per thread (ServerOptions::threads, default one
// per core) and pins every accepted connection to one of them, round-robin. A connection
// lives on its io_context's thread for its whole life; SCSI commands run inline there
// (Target::execute is synchronous, so a slow backend call stalls the other connections of
// that thread; a later change may move blocking backend calls to a pool). Connections of
// one session (MC/S) may sit on different threads; the session's shared state has its own
// lock.
//
// Alternatively the server runs on one io_context the caller owns and runs (tests,
// embedding): every connection lives there and no thread is started.
//
// Every public member function is thread-safe, except that the destructor must not run on
// one of the server's threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "iscsi/negotiation_params.h"
#include "iscsi/pdu_login.h"
#include "offload/counters.h"
#include "offload/path.h"
#include "offload/socket_address.h"
#include "target/iscsi/config.h"

namespace boost::asio {
class io_context;
}
namespace uiscsi::offload {
class Registry;
class Transport;
}  // namespace uiscsi::offload

namespace uiscsi::target::iscsit {

struct ServerOptions {
  // io_contexts and threads; 0: std::thread::hardware_concurrency(). Ignored when the
  // server runs on the caller's io_context.
  unsigned threads = 0;
  // The data paths connections may use; null: offload::Registry::with_builtin_paths().
  std::shared_ptr<const offload::Registry> registry{};
  // shutdown(): how long sessions get to log out after the Async logout request.
  std::chrono::milliseconds shutdown_grace{3000};
};

// Where a connection is in its life (RFC 7143 8.1.3, the target's connection states,
// folded to what an operator needs to see).
enum class ConnectionState : std::uint8_t {
  login,          // accepted, Login Phase in progress
  full_feature,   // logged in
  logging_out,    // Logout Request answered, or Async logout request sent
  closing,        // being torn down
};
std::string_view to_text(ConnectionState state) noexcept;

// A snapshot of one connection.
struct ConnectionInfo {
  // Unique among the connections of this server for its whole life, never reused: the
  // name a control request gives (Server::switch_to_tcp, `ctl offload --conn ID`).
  std::uint64_t id = 0;
  std::uint16_t cid = 0;  // CID from the Login Request (0 until the first one arrived)
  std::uint16_t tsih = 0;  // of its session; 0 while the Login Phase runs
  ConnectionState state = ConnectionState::login;
  offload::SocketAddress local;   // the 4-tuple as the kernel reports it
  offload::SocketAddress remote;
  offload::PathInfo path;         // offload::Transport::path_info()
  offload::Counters counters;     // offload::Transport::counters()
  std::string initiator_name;     // empty until declared at login
  std::string target_name;        // empty for discovery sessions
  iscsi::ConnectionParams params; // as negotiated (defaults while logging in)
  std::uint32_t tasks = 0;        // SCSI tasks allegiant to this connection, in flight
};

// A snapshot of one session (an I_T nexus, RFC 7143 4.4.2) in Full Feature Phase.
struct SessionInfo {
  iscsi::Isid isid{};
  std::uint16_t tsih = 0;
  std::uint16_t target_portal_group_tag = 0;
  std::string initiator_name;
  std::string initiator_alias;
  std::string target_name;  // empty for discovery sessions
  iscsi::SessionType type = iscsi::SessionType::normal;
  iscsi::SessionParams params;  // session-wide negotiated values
  std::vector<ConnectionInfo> connections;
};

// The outcome of apply(): what changed, and what could not be done (each a sentence).
struct ApplyReport {
  std::vector<std::string> targets_added;
  std::vector<std::string> targets_removed;
  std::vector<std::string> targets_changed;
  std::vector<std::string> errors;
};

class Server {
 public:
  // Owns its io_contexts and threads.
  explicit Server(ServerOptions options = {});
  // Runs on `io`, which the caller runs and which must outlive the server.
  Server(boost::asio::io_context& io, ServerOptions options = {});
  // Calls shutdown() if it was not called, and waits for the threads it owns.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Validates `config` (validate()), creates the targets and their logical units, opens
  // every portal's listener and starts the threads. Fails, leaving nothing open, on an
  // invalid config, a backend that does not open, or a portal that cannot be bound or whose
  // path is not usable; `error` then says which and why. Call once.
  std::error_code start(Config config, std::string& error);

  // SIGHUP: moves to `config` (validated first; an invalid one changes nothing and is
  // reported in errors) without disturbing what did not change:
  //  - a target that is gone: its sessions get an Async logout request (AsyncEvent 1), are
  //    closed after the grace period, then its logical units are closed;
  //  - a new target: created;
  //  - a target that stays: keeps its sessions. Its LUNs are changed in place (added,
  //    removed, or replaced when same_lun() says they differ; the SCSI layer reports
  //    REPORTED LUNS DATA HAS CHANGED), its ACL, CHAP, limits and NOP settings apply to new
  //    logins, and sessions of initiators the new ACL no longer allows are logged out;
  //  - portals: listeners of new portals are opened, those of removed portals closed
  //    (established connections stay).
  // A part that fails (a backend, a bind) is reported in errors and the rest is applied.
  ApplyReport apply(Config config);

  // SIGTERM: stops accepting, flushes every backend, sends every session an Async logout
  // request (AsyncEvent 1, RFC 7143 11.9.1), gives them ServerOptions::shutdown_grace to
  // log out, then closes what is left. With owned threads it returns when everything is
  // closed and the threads have ended; on the caller's io_context it starts the sequence and
  // returns, and the caller's run() returns once it is complete. Idempotent.
  void shutdown();

  // Takes over a connection accepted elsewhere as if it had arrived on `portal` (the
  // listening address that decides the portal group): tests with in-process transport
  // pairs, socket activation. The transport must belong to the io_context it will run on:
  // the caller's io_context, or with owned threads the one io_context() returns.
  void adopt(std::unique_ptr<offload::Transport> transport, offload::SocketAddress portal);
  // The io_context adopt()ed transports must be made on (the caller's, or the first owned).
  boost::asio::io_context& io_context() noexcept;

  // The bound listening addresses, with the real ports (port 0 in the config: ephemeral).
  std::vector<offload::SocketAddress> listening() const;
  // Snapshots for status output (`uiscsiadm`, the control socket). Any thread.
  std::vector<SessionInfo> sessions() const;
  std::vector<ConnectionInfo> connections() const;  // including those still logging in

  // Moves connection `id` (ConnectionInfo::id) to the plain tcp path, with `reason` as its
  // fallback reason (offload::Transport::switch_to_tcp): the connection's thread makes the
  // switch between two of its I/O completions, so the PDU being received, placed or not,
  // completes without loss and the next send batch goes out on tcp. Waits for that thread
  // (at most a few seconds) unless called on it. Errors: errc::no_such_connection,
  // offload::errc::not_supported (a path that cannot be left, such as SMC-R),
  // std::errc::not_connected (the connection is closing), std::errc::timed_out. Any
  // thread.
  std::error_code switch_to_tcp(std::uint64_t id, std::string_view reason);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace uiscsi::target::iscsit
