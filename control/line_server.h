// A Unix stream socket that answers request lines, one reply per line: the transport of
// both daemons' control sockets (uiscsi-target ctl, uiscsid). What a line means is the
// handler's business; this file owns the socket file, the clients and their framing.
//
// Each client's lines are answered in order; an asynchronous handler (a login takes
// seconds) lets other clients be served meanwhile. A line longer than the limit gets
// `too_long_reply` and the client is dropped: the stream has no line boundary left to
// resume at.
//
// Threading: everything runs on the io_context given to open(); call close() and the
// destructor from that io_context's thread (or when it is not running).
//
// Access: the socket file is made mode 0600 (owner only) right after bind(), and a parent
// directory that open() creates is made 0700: answers carry initiator names, addresses and
// CHAP user names, so only the daemon's user may connect.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace uiscsi::control {

// Gets one request line, its '\n' included; returns the whole reply, its '\n' included.
using LineHandler = std::function<boost::asio::awaitable<std::string>(std::string line)>;

struct LineServerOptions {
  std::size_t max_line_bytes = 0;
  std::string too_long_reply;  // written once before dropping a client whose line is too long
  std::string in_use_hint;     // ends "already in use" errors, e.g. "a running uiscsid (use --socket PATH)"
};

class LineServer {
 public:
  // Binds `path` and starts accepting. A leftover socket file that nothing listens on
  // (a daemon that was killed) is replaced; a live one is an error ("already in use"), as is
  // a path that exists and is not a socket. Missing parent directories are created.
  // On failure returns null and sets `error`.
  static std::unique_ptr<LineServer> open(boost::asio::io_context& io, const std::filesystem::path& path,
                                          LineHandler handler, LineServerOptions options, std::string& error);
  // close()s.
  ~LineServer();
  LineServer(const LineServer&) = delete;
  LineServer& operator=(const LineServer&) = delete;

  const std::filesystem::path& path() const noexcept;
  // Stops accepting, drops the clients' connections and removes the socket file.
  // Idempotent.
  void close() noexcept;

 private:
  struct Impl;
  explicit LineServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace uiscsi::control
