// One NBD client connection: the handshake, then the transmission phase with many requests
// in flight. Private to initiator/nbd (server.cpp starts and closes connections).
//
// The reader coroutine (run) owns the socket's read side: it reads a request header and,
// for WRITE, its payload, then spawns one coroutine per request and reads the next one at
// once, up to ServerOptions' limits. With TLS, OpenSSL's stream sits between the socket
// and both. Replies are queued and written by one writer
// coroutine at a time, several per writev, in completion order. The connection lives
// (shared_ptr) as long as its reader, writer or any request coroutine does.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <system_error>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "initiator/detail/wakeup.h"
#include "initiator/nbd/detail/server_state.h"
#include "initiator/nbd/transmission.h"

namespace uiscsi::initiator::nbd::detail {

using Buffer = std::unique_ptr<std::byte[]>;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<Server::State> server, Protocol::socket socket);
  ~Connection();

  // Runs the connection to its end on the socket's executor.
  static void start(std::shared_ptr<Server::State> server, Protocol::socket socket);
  // Closes the socket: reading stops, requests in flight complete and their replies are
  // dropped; the connection ends once they have.
  void close() noexcept;
  const Export* exported() const noexcept { return export_.get(); }

 private:
  struct Reply {
    std::vector<std::byte> header;
    Buffer data;
    std::size_t data_length = 0;
  };

  using IoResult = std::tuple<boost::system::error_code, std::size_t>;
  // The byte stream: the socket itself, or TLS over it after NBD_OPT_STARTTLS.
  boost::asio::awaitable<IoResult> read_some(boost::asio::mutable_buffer buffer);
  boost::asio::awaitable<IoResult> read_all(boost::asio::mutable_buffer buffer);
  template <typename Buffers>
  boost::asio::awaitable<IoResult> write_all(const Buffers& buffers);

  boost::asio::awaitable<void> run();
  boost::asio::awaitable<bool> handshake();
  // Closes the connection when `deadline` expires while the handshake is still running.
  boost::asio::awaitable<void> handshake_deadline(std::shared_ptr<boost::asio::steady_timer> deadline);
  boost::asio::awaitable<void> transmission();
  boost::asio::awaitable<std::error_code> read_exact(std::byte* destination, std::size_t length);
  boost::asio::awaitable<void> handle(Request request, Buffer payload);
  boost::asio::awaitable<std::uint32_t> block_status(const Request& r, std::vector<Extent>& extents);
  std::uint32_t check_range(const Request& r, bool write) const noexcept;
  void send_error(std::uint64_t handle, std::uint32_t error, const char* why);
  void send(Reply reply);
  // Request and reply buffers are reused: clients send the same sizes again and again, and a
  // fresh allocation of a few hundred KiB costs an mmap and page faults each time.
  Buffer take_buffer(std::size_t size);
  void give_buffer(Buffer buffer, std::size_t size) noexcept;
  boost::asio::awaitable<void> write_replies();

  std::shared_ptr<Server::State> server_;
  Protocol::socket socket_;
  std::unique_ptr<boost::asio::ssl::stream<Protocol::socket&>> tls_;
  std::shared_ptr<Export> export_;
  bool structured_ = false;
  bool base_allocation_ = false;
  bool read_only_ = false;

  // Bytes read but not yet consumed: [read_pos_, read_end_) of read_buffer_.
  Buffer read_buffer_;
  std::size_t read_pos_ = 0, read_end_ = 0;

  std::size_t in_flight_ = 0;
  std::size_t in_flight_bytes_ = 0;
  bool dirty_ = false;  // writes acknowledged since the last flush
  initiator::detail::Wakeup progress_;  // a request or the writer finished

  std::unordered_map<std::size_t, std::vector<Buffer>> pool_;
  std::size_t pooled_bytes_ = 0;

  std::deque<Reply> replies_;
  bool writing_ = false;
  bool broken_ = false;  // a write failed or close() ran: replies are dropped
  bool in_handshake_ = true;
};

}  // namespace uiscsi::initiator::nbd::detail
