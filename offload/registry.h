// The registry of data paths and the selection policy.
//
// Each path registers a TransportFactory under its Path (whose name() is the name used in
// configuration: "tcp", "placement", "smc", "iser"). There is no global registry: a tool
// builds one (Registry::with_builtin_paths(), plus e.g. the iser module's factory) and hands
// it to the connect()/Listener helpers.
//
// Selection: an explicit policy gets its path or a clear error; `auto` takes the first
// usable path in the order iser, placement, smc, tcp, and says in PathInfo::fallback_reason
// why each better one was passed over. A path is usable when it is registered (else "not
// built") and its probe() says so (else the probe's reason).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "offload/owned_fd.h"
#include "offload/path.h"
#include "offload/transport.h"

namespace boost::asio {
class io_context;
}

namespace uiscsi::offload {

// Whether a path can run on this host and build right now, and if not, why.
struct Availability {
  bool available = false;
  std::string reason;  // e.g. "kernel has no AF_SMC"; empty when available
};

struct TransportFactory {
  Path path = Path::tcp;
  // Must test what it claims (create the socket, open the device), not guess from the
  // build. Called for every selection, so keep it cheap. Empty: always available.
  std::function<Availability()> probe;
  // Wraps a connected stream socket (from connect() or Listener::accept()). Takes ownership
  // of the socket in every case; on failure returns null and sets the error code.
  std::function<std::unique_ptr<Transport>(boost::asio::io_context&, OwnedFd, PathInfo,
                                           const TransportOptions&, std::error_code&)>
      adopt;
  // Makes the unconnected stream socket that connect() and Listener::open() use on this
  // path, for addresses of `family` (AF_INET or AF_INET6); on failure returns an empty
  // OwnedFd and sets the error code. Empty: an ordinary TCP socket. smc needs its own
  // (AF_SMC, which still takes the family's socket addresses).
  std::function<OwnedFd(int family, std::error_code&)> open_socket;
  // Disposes of a socket from open_socket whose connect did not complete (refused, timed
  // out, cancelled). Empty: closed at once. smc needs its own: see close_abandoned_smc_socket().
  std::function<void(OwnedFd)> abandon;
  // For people, what a socket from open_socket is still doing when its connect was
  // cancelled before it completed (the caller's timeout): smc asks SMC_DIAG ("SMC
  // handshake stuck (SMC_DIAG: state INIT, mode SMC-R)"). Called with the socket still
  // open, before abandon. Empty, or an empty answer: nothing to add (tcp: a SYN nobody
  // answered needs no words beyond "timed out").
  std::function<std::string(int socket)> describe_pending;
};

// A path decision without a socket: what select() would pick for a policy.
struct Decision {
  PathInfo path;       // requested, in_use and fallback_reason (valid when !ec)
  std::error_code ec;  // errc::path_unavailable
  std::string error;   // for people: "smc: not built"
};

// A path decision and the transport made on it.
struct Selection {
  std::unique_ptr<Transport> transport;  // null on error
  PathInfo path;                         // as in transport->path_info()
  std::error_code ec;
  std::string error;  // for people: which path failed and why, or which step failed
  // A connect cancelled before it completed: what the path's describe_pending said about
  // it, or empty (see TransportFactory::describe_pending).
  std::string pending{};
};

class Registry {
 public:
  Registry() = default;  // no paths
  // Every path built into this library: tcp, placement and smc (iser registers from its
  // own module).
  static Registry with_builtin_paths();

  // Registers `factory`, replacing an earlier one for the same path.
  void add(TransportFactory factory);
  const TransportFactory* find(Path path) const noexcept;

  Decision decide(Policy policy) const;
  // decide(), then the chosen factory's adopt(). Takes ownership of `socket` in every case.
  Selection select(Policy policy, boost::asio::io_context& io, OwnedFd socket,
                   const TransportOptions& options = {}) const;
  // The factory of `path.in_use` adopts `socket`, for a decision already made: connect()
  // and a Listener decide once, make their socket for that path, then adopt. Takes
  // ownership of `socket` in every case.
  Selection adopt(PathInfo path, boost::asio::io_context& io, OwnedFd socket,
                  const TransportOptions& options = {}) const;
  // The unconnected stream socket for `path` and addresses of `family` (its factory's
  // open_socket, or a TCP socket). Errors: errc::path_unavailable if `path` is not
  // registered, or the socket(2) error.
  OwnedFd open_socket(Path path, int family, std::error_code& ec) const;
  // A socket of `path` whose connect did not complete: its factory's abandon, or close.
  void abandon_socket(Path path, OwnedFd socket) const;
  // What a socket of `path` whose connect has not completed is doing: its factory's
  // describe_pending, or empty.
  std::string describe_pending(Path path, int socket) const;

 private:
  // Whether `path` is registered and its probe agrees; `why` says why not.
  bool usable(Path path, std::string& why) const;

  std::vector<TransportFactory> factories_;
};

}  // namespace uiscsi::offload
