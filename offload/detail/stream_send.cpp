// The send side of a stream connection: a queue of whole PDUs, gathered into one write.
//
// MSG_ZEROCOPY (placement path, when the socket accepted SO_ZEROCOPY). A batch with a large
// payload is written with send(MSG_ZEROCOPY): the kernel pins the pages instead of copying
// them and reads them until the data is acknowledged. Its PDUs therefore complete only when
// the kernel has released every send call of the batch (ZeroCopyTracker, fed from the
// socket's error queue), which is what keeps Transport::send()'s buffer contract true.
// Written batches wait in held_ while later ones are written. If the kernel runs out of
// room for notifications (ENOBUFS), the rest of the batch is sent by copying.
//
// When a notification says the kernel copied the data after all (SO_EE_CODE_ZEROCOPY_COPIED,
// which loopback always does), MSG_ZEROCOPY only added page pinning and completion reads:
// the socket stops using it (TransportOptions::zero_copy_stop_on_copy) and sends every later
// batch with plain gather writes from the same buffers. Batches already written with it
// complete as before.
//
// Data segments in a file (OutgoingPdu::file). On the placement path such a PDU ends its
// batch: the batch's gather write carries its head (BHS, AHS, header digest) after the
// PDUs before it, then sendfile(2) moves the file range from the page cache to the socket,
// waiting for room like the zerocopy path, then a last write sends the padding. A batch
// that would go out with MSG_ZEROCOPY stops before a file PDU instead, so zerocopy batches
// hold memory only. Where files are not sent (tcp, smc, after switch_to_tcp(), and data
// segments below TransportOptions::file_send_threshold) the range is
// read (pread) into a buffer of the PDU's own before any byte of the PDU is written, so a
// short file fails that PDU alone and the stream goes on. A file sendfile cannot splice
// (EINVAL and the like on its first call) is read the same way, but only once the PDU's
// head is on the wire: a failed read then cuts the stream. So does a file that ends inside
// the range while sendfile sends it (errc::file_ended): the header promised bytes that do
// not exist, and nothing sent after it could be framed right.
#include <sys/socket.h>
#include <sys/uio.h>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>

#include "offload/detail/file_send.h"
#include "offload/detail/stream_core.h"
#include "offload/error.h"

namespace uiscsi::offload::detail {
namespace {

namespace asio = boost::asio;

// Asio gathers at most this many buffers into one writev(2); a batch of queued PDUs is cut
// there (but always holds at least one PDU).
constexpr std::size_t kMaxGather = 64;

std::error_code canceled() { return std::make_error_code(std::errc::operation_canceled); }

}  // namespace

std::unique_ptr<SendOp> StreamCore::take_op() {
  if (spare_ops_.empty()) return std::make_unique<SendOp>();
  auto op = std::move(spare_ops_.back());
  spare_ops_.pop_back();
  return op;
}

// Hands `ec` to the sender through a post, never inline: resuming the sender here could
// re-enter enqueue() while the queues are being walked.
// Every user of a transport runs on its io_context (ARCHITECTURE.md: a connection is pinned
// to one), so the socket's executor is the sender's too.
void StreamCore::complete(std::unique_ptr<SendOp> op, std::error_code ec) {
  asio::post(socket_.get_executor(),
             [handler = std::move(op->handler), ec]() mutable { std::move(handler)(ec); });
  op->pdu = {};
  op->iov = {};
  op->result = {};
  op->file_copy.reset();
  spare_ops_.push_back(std::move(op));
}

void StreamCore::enqueue(const iscsi::OutgoingPdu& pdu, SendHandler handler) {
  auto op = take_op();
  // swap, not move-assignment: Boost 1.81's any_completion_handler::operator=(&&) copies its
  // argument as an lvalue into its own converting constructor and recurses without end.
  op->handler.swap(handler);
  if (closed_) return complete(std::move(op), std::make_error_code(std::errc::not_connected));
  if (tx_error_) return complete(std::move(op), tx_error_);
  op->pdu = pdu;
  op->writer.set_digests(send_digests_);
  std::error_code ec;
  op->iov = op->writer.prepare(op->pdu, ec);
  if (ec) return complete(std::move(op), ec);
  op->size = op->writer.size();
  op->payload = op->pdu.bhs.data_segment_length();
  if (op->from_file() && !sends_file(*op)) {
    if ((ec = load_file(*op))) return complete(std::move(op), ec);
  }
  queued_.push_back(std::move(op));
  start_write();
}

bool StreamCore::sends_file(const SendOp& op) const noexcept {
  return placement_ && op.pdu.file.length >= options_.file_send_threshold;
}

// Reads the op's file segment into a buffer of its own and makes it an ordinary memory PDU
// of the same bytes on the wire (the header is unchanged: same DataSegmentLength).
std::error_code StreamCore::load_file(SendOp& op) {
  const iscsi::FileSegment file = op.pdu.file;
  op.file_copy = std::make_unique_for_overwrite<std::byte[]>(file.length);
  if (std::error_code ec = read_file(file.fd, file.offset, {op.file_copy.get(), file.length})) return ec;
  counters_.bytes_file_read.add(file.length);
  op.file_iov = {op.file_copy.get(), file.length};
  op.pdu.file = {};
  op.pdu.data = {&op.file_iov, 1};
  std::error_code ec;
  op.iov = op.writer.prepare(op.pdu, ec);  // cannot fail: it passed with the file
  return ec;
}

// Sends as many whole queued PDUs as fit in one gather list, in queue order.
void StreamCore::start_write() {
  if (writing_ || queued_.empty()) return;
  gather_.clear();
  std::size_t largest = 0;
  batch_size_ = 0;
  bool batch_file = false;
  while (!queued_.empty()) {
    SendOp& next = *queued_.front();
    // Queued on the placement path, which switch_to_tcp() has left since: nothing of the
    // PDU is written yet, so it is read now and fails alone if the file is short.
    if (next.from_file() && !sends_file(next)) {
      if (const std::error_code ec = load_file(next)) {
        complete(std::move(queued_.front()), ec);
        queued_.pop_front();
        continue;
      }
    }
    const bool file = next.from_file();
    const std::size_t gathered = next.writer.file_position();
    if (!in_flight_.empty()) {
      if (gather_.size() + gathered > kMaxGather) break;
      // A batch going out with MSG_ZEROCOPY holds memory only: the file PDU starts the next.
      if (file && placement_ && zerocopy_ && largest >= options_.zero_copy_threshold) break;
    }
    for (const iovec& v : next.iov.first(gathered)) gather_.emplace_back(v.iov_base, v.iov_len);
    if (!file) largest = std::max(largest, next.payload);
    batch_size_ += next.size;
    in_flight_.push_back(std::move(queued_.front()));
    queued_.pop_front();
    if (file) {
      batch_file = true;
      break;
    }
  }
  if (in_flight_.empty()) return;  // every queued PDU failed to read its file
  writing_ = true;
  batch_written_ = 0;
  file_sent_ = 0;
  batch_zerocopy_ = !batch_file && placement_ && zerocopy_ && largest >= options_.zero_copy_threshold;
  if (batch_zerocopy_) return send_zerocopy_some();
  if (batch_file) {
    asio::async_write(socket_, gather_,
                      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                        self->counters_.bytes_sent.add(n);
                        self->batch_written_ = n;
                        if (ec || self->closed_) return self->finish_batch(ec ? std::error_code(ec) : canceled(), n);
                        self->send_file_some();
                      });
    return;
  }
  asio::async_write(socket_, gather_,
                    [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                      self->counters_.bytes_sent.add(n);
                      self->finish_batch(ec, n);
                    });
}

// One sendmsg(MSG_ZEROCOPY) of what is left of the batch, made here rather than handed to
// Asio: the kernel numbers a zerocopy call the moment it succeeds, and may queue its
// notification before the call even returns (loopback acknowledges inside it). The number
// must therefore be recorded (ZeroCopyTracker::issue) before any other handler can run;
// with async_send the completion was posted, and a reap_zerocopy() of an older held batch
// that ran first read the new notification, dropped it as "not outstanding", and the
// batch then waited for it forever.
void StreamCore::send_zerocopy_some() {
  zerocopy_iov_.clear();
  std::size_t skip = batch_written_;
  for (const asio::const_buffer& b : gather_) {
    if (skip >= b.size()) {
      skip -= b.size();
      continue;
    }
    const asio::const_buffer rest = b + skip;
    zerocopy_iov_.push_back({const_cast<void*>(rest.data()), rest.size()});
    skip = 0;
  }
  msghdr msg{};
  msg.msg_iov = zerocopy_iov_.data();
  msg.msg_iovlen = zerocopy_iov_.size();
  ssize_t n;
  do {
    n = ::sendmsg(fd_, &msg, MSG_ZEROCOPY | MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n == 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))) {
    // The socket buffer is full: wait for room (close() cancels the wait).
    socket_.async_wait(Socket::wait_write, [self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->closed_) return self->on_zerocopy_sent(ec ? std::error_code(ec) : canceled());
      self->send_zerocopy_some();
    });
    return;
  }
  std::error_code ec;
  if (n < 0) {
    ec = {errno, std::system_category()};
  } else {
    // A call that sent something got the next notification number; one that failed none.
    zerocopy_ids_.issue();
    counters_.zerocopy_sends.add(1);
    counters_.bytes_zerocopy.add(static_cast<std::size_t>(n));
    counters_.bytes_sent.add(static_cast<std::size_t>(n));
    batch_written_ += static_cast<std::size_t>(n);
  }
  // Posted, never inline: finish_batch() starts the next write, which would recurse.
  asio::post(socket_.get_executor(), [self = shared_from_this(), ec] { self->on_zerocopy_sent(ec); });
}

// The file segment of the batch's last PDU, from where it stopped; then its padding. Runs
// from a completion handler (never from start_write), so finishing the batch here is safe.
void StreamCore::send_file_some() {
  SendOp& op = *in_flight_.back();
  const iscsi::FileSegment& file = op.pdu.file;
  const FileSendProgress p = send_file(fd_, file.fd, file.offset + file_sent_, file.length - file_sent_);
  file_sent_ += p.sent;
  batch_written_ += p.sent;
  counters_.bytes_sendfile.add(p.sent);
  counters_.bytes_sent.add(p.sent);
  switch (p.stop) {
    case FileSendProgress::Stop::done:
      return write_rest(op.iov.subspan(op.writer.file_position()));
    case FileSendProgress::Stop::would_block:
      // The socket buffer is full: wait for room (close() cancels the wait).
      socket_.async_wait(Socket::wait_write, [self = shared_from_this()](const boost::system::error_code& ec) {
        if (ec || self->closed_) return self->finish_batch(self->closed_ ? canceled() : std::error_code(ec), self->batch_written_);
        self->send_file_some();
      });
      return;
    case FileSendProgress::Stop::error:
      break;
  }
  if (file_sent_ == 0 && splice_unsupported(p.ec)) {
    // Not a file the kernel can splice: send the same bytes from memory, after the head
    // already written (load_file() prepares the PDU again, same head, data in memory).
    const std::size_t head = op.writer.file_position();
    if (const std::error_code ec = load_file(op)) return finish_batch(ec, batch_written_);
    return write_rest(op.iov.subspan(head));
  }
  finish_batch(p.ec, batch_written_);
}

// Writes the last iovecs of a file batch (padding, or a data segment read into memory) and
// finishes the batch.
void StreamCore::write_rest(std::span<const iovec> rest) {
  if (rest.empty()) return finish_batch({}, batch_written_);
  batch_rest_.clear();
  for (const iovec& v : rest) batch_rest_.emplace_back(v.iov_base, v.iov_len);
  asio::async_write(socket_, batch_rest_,
                    [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                      self->counters_.bytes_sent.add(n);
                      self->finish_batch(ec, self->batch_written_ + n);
                    });
}

void StreamCore::on_zerocopy_sent(std::error_code ec) {
  if (closed_) return finish_batch(ec ? ec : canceled(), batch_written_);
  if (ec == std::errc::no_buffer_space) {
    // No room left for notifications (optmem): copying the rest is always possible.
    batch_rest_.clear();
    std::size_t skip = batch_written_;
    for (const asio::const_buffer& b : gather_) {
      if (skip >= b.size()) {
        skip -= b.size();
        continue;
      }
      batch_rest_.push_back(b + skip);
      skip = 0;
    }
    asio::async_write(socket_, batch_rest_,
                      [self = shared_from_this()](const boost::system::error_code& e, std::size_t n) {
                        self->counters_.bytes_sent.add(n);
                        self->finish_batch(e, self->batch_written_ + n);
                      });
    return;
  }
  if (!ec && batch_written_ < batch_size_) return send_zerocopy_some();
  finish_batch(ec, batch_written_);
}

// The in-flight batch is written (`bytes` of it, then `ec`). PDUs wholly written succeeded
// even if a later one in the batch failed.
void StreamCore::finish_batch(std::error_code ec, std::size_t bytes) {
  writing_ = false;
  if (ec && !tx_error_) tx_error_ = ec;
  for (auto& op : in_flight_) {
    if (bytes >= op->size) {
      bytes -= op->size;
      counters_.pdus_sent.add(1);
      op->result = {};
    } else {
      bytes = 0;
      op->result = ec;
    }
  }
  // Pages the kernel may still read keep their PDUs pending until it releases them (a failed
  // write included: sends made before the failure still hold pages). After close() the
  // notifications cannot be read any more; the socket was reset instead (see close()).
  const bool held = batch_zerocopy_ && !closed_ && !zerocopy_ids_.released_before(zerocopy_ids_.next());
  if (held) {
    held_.push_back({zerocopy_ids_.next(), std::move(in_flight_)});
    in_flight_.clear();
    reap_zerocopy();
  } else {
    for (auto& op : in_flight_) {
      const std::error_code result = op->result;
      complete(std::move(op), result);
    }
    in_flight_.clear();
  }
  if (tx_error_) {
    while (!queued_.empty()) {
      complete(std::move(queued_.front()), closed_ ? canceled() : tx_error_);
      queued_.pop_front();
    }
  }
  start_write();
}

// Reads the zerocopy notifications queued so far, completes the batches they release, and
// waits for more while any batch is held.
void StreamCore::reap_zerocopy() {
  notices_.clear();
  const std::error_code ec = drain_zerocopy_notices(fd_, notices_);
  for (const ZeroCopyNotice& n : notices_) {
    const std::size_t released = zerocopy_ids_.release(n.lo, n.hi);
    if (n.copied) {
      counters_.zerocopy_copied.add(released);
      if (zerocopy_ && options_.zero_copy_stop_on_copy) stop_zerocopy();
    }
  }
  while (!held_.empty() && zerocopy_ids_.released_before(held_.front().end)) {
    for (auto& op : held_.front().ops) {
      const std::error_code result = op->result;
      complete(std::move(op), result);
    }
    held_.pop_front();
  }
  if (ec && !tx_error_) tx_error_ = ec;
  watch_zerocopy();
}

void StreamCore::stop_zerocopy() {
  zerocopy_ = false;
  std::lock_guard lock(path_mutex_);
  if (path_.in_use == Path::placement) path_.mode = kNoZeroCopyCopied;
}

void StreamCore::watch_zerocopy() {
  if (held_.empty() || watching_errors_ || closed_) return;
  // A queued notification makes the socket report EPOLLERR (Asio: wait_error). Edge
  // triggered, so the queue was drained just before waiting.
  watching_errors_ = true;
  socket_.async_wait(Socket::wait_error, [self = shared_from_this()](const boost::system::error_code& ec) {
    self->watching_errors_ = false;
    if (ec || self->closed_) return;  // closed: cancel_sends() completed the held batches
    self->reap_zerocopy();
  });
}

void StreamCore::cancel_sends() noexcept {
  while (!queued_.empty()) {
    complete(std::move(queued_.front()), canceled());
    queued_.pop_front();
  }
  for (HeldBatch& batch : held_) {
    for (auto& op : batch.ops) complete(std::move(op), canceled());
  }
  held_.clear();
}

}  // namespace uiscsi::offload::detail
