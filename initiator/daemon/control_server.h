// uiscsid's side of the control socket: a Unix stream socket whose request lines are
// answered by an asynchronous handler (a login takes seconds; other clients are served
// meanwhile, and one client's requests are answered in order).
//
// Threading: everything runs on the io_context given to open(); call close() and the
// destructor from its thread (or when it is not running).
//
// Access: the socket file is made mode 0600 right after bind(), and a parent directory that
// open() creates is made 0700: answers carry CHAP user names and session details.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "initiator/daemon/protocol.h"

namespace boost::asio {
class io_context;
}

namespace uiscsi::initiator::daemon {

using Handler = std::function<boost::asio::awaitable<Response>(Request)>;

class ControlServer {
 public:
  // Binds `path` and starts accepting. A leftover socket file nothing listens on (a daemon
  // that was killed) is replaced; a live one is an error, as is a path that is not a socket.
  // On failure returns null and sets `error`.
  static std::unique_ptr<ControlServer> open(boost::asio::io_context& io, const std::filesystem::path& path,
                                             Handler handler, std::string& error);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Stops accepting, drops the clients and removes the socket file. Idempotent.
  void close() noexcept;

 private:
  struct Impl;
  explicit ControlServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace uiscsi::initiator::daemon
