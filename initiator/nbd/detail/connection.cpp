// One NBD client connection (initiator/nbd/detail/connection.h).
#include "initiator/nbd/detail/connection.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstring>

#include "initiator/block_device.h"
#include "initiator/nbd/export.h"
#include "initiator/nbd/protocol.h"

namespace uiscsi::initiator::nbd::detail {

namespace asio = boost::asio;
using initiator::detail::Clock;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

namespace {

constexpr std::size_t kReadBuffer = 256u << 10;
// Payload remainders at least this large are read straight into the request's buffer.
constexpr std::size_t kDirectRead = 16u << 10;
// Replies gathered into one writev.
constexpr std::size_t kReplyBatch = 64;
// Buffers kept for reuse per connection, at most.
constexpr std::size_t kPoolBytes = 64u << 20;
// Extents gathered for one BLOCK_STATUS (each costs a GET LBA STATUS).
constexpr std::size_t kMaxExtents = 64;

Buffer allocate(std::size_t n) { return Buffer(new std::byte[std::max<std::size_t>(n, 1)]); }

}  // namespace

Connection::Connection(std::shared_ptr<Server::State> server, Protocol::socket socket)
    : server_(std::move(server)),
      socket_(std::move(socket)),
      read_buffer_(allocate(kReadBuffer)),
      progress_(socket_.get_executor()) {
  server_->connections.insert(this);
}

Connection::~Connection() {
  server_->connections.erase(this);
  server_->changed.notify_all();
}

void Connection::start(std::shared_ptr<Server::State> server, Protocol::socket socket) {
  auto c = std::make_shared<Connection>(std::move(server), std::move(socket));
  asio::co_spawn(c->socket_.get_executor(), [c]() { return c->run(); }, asio::detached);
}

asio::awaitable<Connection::IoResult> Connection::read_some(asio::mutable_buffer buffer) {
  if (tls_) co_return co_await tls_->async_read_some(buffer, kTuple);
  co_return co_await socket_.async_read_some(buffer, kTuple);
}

asio::awaitable<Connection::IoResult> Connection::read_all(asio::mutable_buffer buffer) {
  if (tls_) co_return co_await asio::async_read(*tls_, buffer, kTuple);
  co_return co_await asio::async_read(socket_, buffer, kTuple);
}

template <typename Buffers>
asio::awaitable<Connection::IoResult> Connection::write_all(const Buffers& buffers) {
  if (tls_) co_return co_await asio::async_write(*tls_, buffers, kTuple);
  co_return co_await asio::async_write(socket_, buffers, kTuple);
}

Buffer Connection::take_buffer(std::size_t size) {
  if (auto it = pool_.find(size); it != pool_.end() && !it->second.empty()) {
    Buffer b = std::move(it->second.back());
    it->second.pop_back();
    pooled_bytes_ -= size;
    return b;
  }
  return allocate(size);
}

void Connection::give_buffer(Buffer buffer, std::size_t size) noexcept {
  if (!buffer || size == 0 || pooled_bytes_ + size > kPoolBytes) return;
  try {
    pool_[size].push_back(std::move(buffer));
    pooled_bytes_ += size;
  } catch (...) {  // out of memory for the list: the buffer is simply freed
  }
}

void Connection::close() noexcept {
  broken_ = true;
  boost::system::error_code ignored;
  socket_.shutdown(Protocol::socket::shutdown_both, ignored);
  socket_.close(ignored);
  replies_.clear();
  progress_.notify();
}

asio::awaitable<void> Connection::run() {
  auto self = shared_from_this();
  boost::system::error_code ignored;
  const int family = socket_.local_endpoint(ignored).protocol().family();
  if (family == AF_INET || family == AF_INET6) socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  std::shared_ptr<asio::steady_timer> deadline;
  if (server_->options.handshake_timeout.count() > 0) {
    deadline = std::make_shared<asio::steady_timer>(socket_.get_executor(), server_->options.handshake_timeout);
    asio::co_spawn(socket_.get_executor(), handshake_deadline(deadline), asio::detached);
  }
  const bool negotiated = co_await handshake();
  in_handshake_ = false;
  if (deadline) deadline->cancel();
  if (negotiated) {
    ++export_->connections;
    co_await transmission();
    // Requests already sent to the target complete (and are acknowledged to the target's
    // satisfaction) even when the client is gone; then the cache is flushed once so that
    // nothing the client saw acknowledged depends on a later flush it can no longer send.
    while (in_flight_ > 0 || writing_) co_await progress_.wait();
    if (dirty_) (void)co_await export_->device->flush();
    --export_->connections;
  }
  close();
}

asio::awaitable<void> Connection::handshake_deadline(std::shared_ptr<asio::steady_timer> deadline) {
  auto self = shared_from_this();
  auto [ec] = co_await deadline->async_wait(kTuple);
  // Closing the socket ends the handshake's pending read or write with an error.
  if (!ec && in_handshake_) close();
}

// Sends the greeting and feeds the client's bytes to the handshake until it picks an export.
asio::awaitable<bool> Connection::handshake() {
  std::vector<std::byte> out = Handshake::greeting();
  Handshake hs(*server_, server_->tls != nullptr);
  for (;;) {
    if (!out.empty()) {
      auto [ec, n] = co_await write_all(asio::buffer(out));
      if (ec) co_return false;
      out.clear();
    }
    if (read_pos_ == read_end_) {
      auto [ec, n] = co_await read_some(asio::buffer(read_buffer_.get(), kReadBuffer));
      if (ec) co_return false;
      read_pos_ = 0;
      read_end_ = n;
    }
    const Handshake::Result r = hs.put({read_buffer_.get() + read_pos_, read_end_ - read_pos_}, out);
    read_pos_ += r.consumed;
    switch (r.status) {
      case Handshake::Status::need_more:
        break;
      case Handshake::Status::transmission: {
        export_ = server_->lookup(hs.chosen().name);
        structured_ = hs.structured_replies();
        base_allocation_ = hs.base_allocation();
        read_only_ = (hs.transmission_flags() & NBD_FLAG_READ_ONLY) != 0;
        auto [ec, n] = co_await write_all(asio::buffer(out));
        co_return !ec && export_ && !export_->removed && !server_->stopped;
      }
      case Handshake::Status::start_tls: {
        auto [ec, n] = co_await write_all(asio::buffer(out));
        out.clear();
        // The client waits for our NBD_REP_ACK before its TLS hello: bytes already here
        // would be plaintext smuggled past the handshake.
        if (ec || read_pos_ != read_end_) co_return false;
        tls_ = std::make_unique<asio::ssl::stream<Protocol::socket&>>(socket_, *server_->tls);
        auto [hs_ec] = co_await tls_->async_handshake(asio::ssl::stream_base::server, kTuple);
        if (hs_ec) co_return false;
        hs.tls_started();
        break;
      }
      case Handshake::Status::closed: {
        (void)co_await write_all(asio::buffer(out));
        co_return false;
      }
      case Handshake::Status::error:
        co_return false;
    }
  }
}

asio::awaitable<std::error_code> Connection::read_exact(std::byte* destination, std::size_t length) {
  std::size_t got = std::min(length, read_end_ - read_pos_);
  std::memcpy(destination, read_buffer_.get() + read_pos_, got);
  read_pos_ += got;
  while (got < length) {
    const std::size_t left = length - got;
    if (left >= kDirectRead) {
      auto [ec, n] = co_await read_all(asio::buffer(destination + got, left));
      if (ec) co_return ec;
      got += n;
    } else {
      auto [ec, n] = co_await read_some(asio::buffer(read_buffer_.get(), kReadBuffer));
      if (ec) co_return ec;
      read_pos_ = std::min(left, n);
      read_end_ = n;
      std::memcpy(destination + got, read_buffer_.get(), read_pos_);
      got += read_pos_;
    }
  }
  co_return std::error_code{};
}

asio::awaitable<void> Connection::transmission() {
  const std::size_t max_requests = std::max<std::size_t>(server_->options.max_requests_per_connection, 1);
  const std::size_t max_bytes = server_->options.max_in_flight_bytes;
  std::byte header[kRequestSize];
  while (!broken_) {
    // Back-pressure: the client's requests wait in the socket while we are at the limit.
    while (!broken_ && (in_flight_ >= max_requests || (in_flight_ > 0 && in_flight_bytes_ >= max_bytes)))
      co_await progress_.wait();
    if (broken_ || co_await read_exact(header, kRequestSize)) co_return;
    const std::optional<Request> r = parse_request(header);
    if (!r) co_return;  // a wrong magic: nothing after it can be framed
    if (r->type == NBD_CMD_DISC) co_return;
    Buffer payload;
    if (r->type == NBD_CMD_WRITE) {
      // A payload larger than announced could not be buffered; the spec allows a hard
      // disconnect here.
      if (r->length > export_->description.maximum_block) co_return;
      payload = take_buffer(r->length);
      if (co_await read_exact(payload.get(), r->length)) co_return;
    }
    ++in_flight_;
    const bool carries_data = r->type == NBD_CMD_WRITE || r->type == NBD_CMD_READ;
    in_flight_bytes_ += carries_data ? r->length : 0;
    asio::co_spawn(socket_.get_executor(), handle(*r, std::move(payload)), asio::detached);
  }
}

std::uint32_t Connection::check_range(const Request& r, bool write) const noexcept {
  const ExportDescription& e = export_->description;
  if (write && read_only_) return NBD_EPERM;
  if (r.offset > e.size || r.length > e.size - r.offset) return write ? NBD_ENOSPC : NBD_EINVAL;
  if (r.offset % e.minimum_block != 0 || r.length % e.minimum_block != 0) return NBD_EINVAL;
  return 0;
}

asio::awaitable<void> Connection::handle(Request r, Buffer payload) {
  auto self = shared_from_this();
  BlockDevice& device = *export_->device;
  std::uint32_t error = 0;
  const char* why = nullptr;
  Reply reply;
  switch (r.type) {
    case NBD_CMD_READ: {
      if (r.length > export_->description.maximum_block) {
        error = NBD_EINVAL;
        why = "read larger than the maximum block size";
      } else if ((error = check_range(r, false)) == 0 && r.length > 0) {
        reply.data = take_buffer(r.length);
        const iovec iov{reply.data.get(), r.length};
        error = to_nbd_error(co_await device.read(r.offset, {&iov, 1}));
      }
      if (error == 0) {
        reply.data_length = r.length;
        if (!structured_) {
          simple_reply(reply.header, r.handle, 0);
        } else if (r.length == 0) {
          structured_header(reply.header, NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_NONE, r.handle, 0);
        } else {
          structured_header(reply.header, NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_OFFSET_DATA, r.handle, 8 + r.length);
          put64(reply.header, r.offset);
        }
      }
      break;
    }
    case NBD_CMD_WRITE:
      if ((error = check_range(r, true)) == 0 && r.length > 0) {
        dirty_ = true;
        const iovec iov{payload.get(), r.length};
        error = to_nbd_error(co_await device.write(r.offset, {&iov, 1}, (r.flags & NBD_CMD_FLAG_FUA) != 0));
      }
      break;
    case NBD_CMD_FLUSH:
      dirty_ = false;
      if ((error = to_nbd_error(co_await device.flush())) != 0) dirty_ = true;
      break;
    case NBD_CMD_TRIM:
      if ((error = check_range(r, true)) == 0 && r.length > 0) {
        dirty_ = true;
        error = to_nbd_error(co_await device.trim(r.offset, r.length));
        if (error == 0 && (r.flags & NBD_CMD_FLAG_FUA)) error = to_nbd_error(co_await device.flush());
      }
      break;
    case NBD_CMD_WRITE_ZEROES: {
      const bool may_trim = (r.flags & NBD_CMD_FLAG_NO_HOLE) == 0;
      const Provisioning& p = device.provisioning();
      // Fast only when it becomes an UNMAP of blocks that then read as zeroes; anything else
      // may write every block, which FAST_ZERO asks us to refuse at once (ENOTSUP).
      const bool fast = may_trim && p.write_same_unmap && p.unmapped_reads_zero;
      if ((error = check_range(r, true)) != 0) break;
      if ((r.flags & NBD_CMD_FLAG_FAST_ZERO) && !fast) {
        error = NBD_ENOTSUP;
        why = "this LUN cannot zero without writing";
      } else if (r.length > 0) {
        dirty_ = true;
        error = to_nbd_error(
            co_await device.write_zeroes(r.offset, r.length, (r.flags & NBD_CMD_FLAG_FUA) != 0, may_trim));
      }
      break;
    }
    case NBD_CMD_BLOCK_STATUS: {
      std::vector<Extent> extents;
      if (!base_allocation_) {
        error = NBD_EINVAL;
        why = "base:allocation was not negotiated";
      } else if (r.length == 0) {
        error = NBD_EINVAL;
      } else if ((error = check_range(r, false)) == 0) {
        error = co_await block_status(r, extents);
      }
      if (error == 0) block_status_reply(reply.header, r.handle, kBaseAllocationId, extents);
      break;
    }
    default:
      error = NBD_EINVAL;
      why = "unknown command";
      break;
  }
  give_buffer(std::move(payload), r.length);
  if (error != 0) {
    give_buffer(std::move(reply.data), r.length);
    reply = {};
    if (structured_) {
      structured_error(reply.header, r.handle, error, why ? why : "");
    } else {
      simple_reply(reply.header, r.handle, error);
    }
  } else if (reply.header.empty()) {
    simple_reply(reply.header, r.handle, 0);
  }
  send(std::move(reply));
  --in_flight_;
  const bool carries_data = r.type == NBD_CMD_WRITE || r.type == NBD_CMD_READ;
  in_flight_bytes_ -= carries_data ? r.length : 0;
  progress_.notify();
}

// base:allocation from GET LBA STATUS, one extent per answer, merged while the state
// stays the same: mapped is 0; deallocated is a hole (reading zeroes when LBPRZ); anchored
// blocks keep their space but read like unmapped ones.
asio::awaitable<std::uint32_t> Connection::block_status(const Request& r, std::vector<Extent>& extents) {
  BlockDevice& device = *export_->device;
  const bool zeroes = device.provisioning().unmapped_reads_zero;
  const std::uint64_t end = r.offset + r.length;
  std::uint64_t at = r.offset;
  while (at < end && extents.size() < kMaxExtents) {
    const LbaStatus s = co_await device.lba_status(at);
    if (s.ec || s.offset > at || s.offset + s.length <= at) {
      if (extents.empty()) co_return s.ec ? to_nbd_error(s.ec) : NBD_EIO;
      break;
    }
    const std::uint64_t length = std::min(s.offset + s.length, end) - at;
    std::uint32_t flags = 0;
    if (s.status == BlockStatus::deallocated) flags = NBD_STATE_HOLE | (zeroes ? NBD_STATE_ZERO : 0);
    if (s.status == BlockStatus::anchored) flags = zeroes ? NBD_STATE_ZERO : 0;
    if (!extents.empty() && extents.back().flags == flags) {
      extents.back().length += static_cast<std::uint32_t>(length);
    } else {
      extents.push_back({static_cast<std::uint32_t>(length), flags});
    }
    at += length;
    if (r.flags & NBD_CMD_FLAG_REQ_ONE) break;
  }
  co_return 0;
}

void Connection::send(Reply reply) {
  if (broken_) return;
  replies_.push_back(std::move(reply));
  if (writing_) return;
  writing_ = true;
  asio::co_spawn(socket_.get_executor(), write_replies(), asio::detached);
}

asio::awaitable<void> Connection::write_replies() {
  auto self = shared_from_this();
  std::vector<Reply> batch;
  std::vector<asio::const_buffer> buffers;
  while (!replies_.empty() && !broken_) {
    batch.clear();
    buffers.clear();
    while (!replies_.empty() && batch.size() < kReplyBatch) {
      batch.push_back(std::move(replies_.front()));
      replies_.pop_front();
      buffers.emplace_back(batch.back().header.data(), batch.back().header.size());
      if (batch.back().data_length > 0) buffers.emplace_back(batch.back().data.get(), batch.back().data_length);
    }
    auto [ec, n] = co_await write_all(buffers);
    for (Reply& r : batch) give_buffer(std::move(r.data), r.data_length);
    if (ec) {
      broken_ = true;
      replies_.clear();
    }
  }
  writing_ = false;
  progress_.notify();
}

}  // namespace uiscsi::initiator::nbd::detail
