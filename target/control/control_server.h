// The daemon's side of the control socket: a Unix stream socket that answers request lines
// with the Dispatcher (protocol.h).
//
// Threading: everything runs on the io_context given to open(); call close() and the
// destructor from that io_context's thread (or when it is not running).
//
// Access: the socket file is made mode 0600 (owner only) right after bind(), and a parent
// directory that open() creates is made 0700. The answers reveal initiator names and
// addresses, so only the daemon's user may connect.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace uiscsi::target::control {

class Dispatcher;

class ControlServer {
 public:
  // Binds `path` and starts accepting. A leftover socket file that nothing listens on
  // (a daemon that was killed) is replaced; a live one is an error ("already in use"), as is
  // a path that exists and is not a socket. Missing parent directories are created.
  // `dispatcher` must outlive the server. On failure returns null and sets `error`.
  static std::unique_ptr<ControlServer> open(boost::asio::io_context& io,
                                             const std::filesystem::path& path,
                                             const Dispatcher& dispatcher, std::string& error);
  // close()s.
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  const std::filesystem::path& path() const noexcept;

  // Stops accepting, drops the clients' connections and removes the socket file.
  // Idempotent.
  void close() noexcept;

 private:
  struct Impl;
  explicit ControlServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace uiscsi::target::control
