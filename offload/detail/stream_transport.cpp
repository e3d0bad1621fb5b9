#include "offload/detail/stream_transport.h"

#include <algorithm>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <optional>
#include <vector>

#include "iscsi/pdu_data.h"
#include "iscsi/pdu_error.h"
#include "offload/detail/expectation_table.h"
#include "offload/error.h"

namespace uiscsi::offload::detail {
namespace {

namespace asio = boost::asio;
using Socket = asio::generic::stream_protocol::socket;
using SendHandler = asio::any_completion_handler<void(std::error_code)>;

// Asio gathers at most this many buffers into one writev(2); a batch of queued PDUs is cut
// there (but always holds at least one PDU).
constexpr std::size_t kMaxGather = 64;

std::error_code canceled() { return std::make_error_code(std::errc::operation_canceled); }

// One queued PDU. Owned through a unique_ptr and never moved while queued: the writer's
// iovecs point into `pdu.bhs` and into the writer itself.
struct SendOp {
  iscsi::OutgoingPdu pdu;
  iscsi::PduWriter writer;
  std::span<const iovec> iov;
  std::size_t size = 0;
  SendHandler handler;
};

// The state of one connection. Shared with every pending handler and receive coroutine, so
// that it outlives the Transport object until they have all completed.
class StreamCore : public std::enable_shared_from_this<StreamCore> {
 public:
  StreamCore(asio::io_context& io, StreamSetup& setup)
      : socket_(io),
        path_(std::move(setup.path)),
        filter_(std::move(setup.filter)),
        rx_size_(std::max<std::size_t>(setup.options.receive_buffer_size, 1)),
        rx_(std::make_unique_for_overwrite<std::byte[]>(rx_size_)),
        table_(std::max<std::size_t>(setup.options.expectation_capacity, 1)) {}

  std::error_code open(OwnedFd fd, int family, int protocol) {
    boost::system::error_code ec;
    socket_.assign(asio::generic::stream_protocol(family, protocol), fd.get(), ec);
    if (ec) return ec;  // `fd` still owns the descriptor and closes it
    fd_ = fd.release();
    local_ = SocketAddress::local_of(fd_);
    remote_ = SocketAddress::peer_of(fd_);
    return {};
  }

  int native_handle() const noexcept { return fd_; }
  const SocketAddress& local() const noexcept { return local_; }
  const SocketAddress& remote() const noexcept { return remote_; }
  const PathInfo& path() const noexcept { return path_; }
  Counters counters() const noexcept { return counters_.snapshot(); }

  void configure(const iscsi::PduLimits& limits) {
    send_digests_ = limits.digests();
    // The parser refuses new limits mid-PDU; they then wait for the end of that PDU.
    if (parser_.set_limits(limits)) {
      pending_limits_ = limits;
    } else {
      pending_limits_.reset();
    }
  }

  void expect(Tag itt, std::uint32_t buffer_offset, std::span<const iovec> buffers) {
    if (closed_) return;
    if (placing_tag_ == itt) divert();  // the caller may release the old buffers now
    if (table_.insert(itt, buffer_offset, buffers)) counters_.expectation_evictions.add(1);
  }

  void forget(Tag itt) noexcept {
    table_.erase(itt);
    if (placing_tag_ == itt) divert();
  }

  void enqueue(const iscsi::OutgoingPdu& pdu, SendHandler handler);
  static asio::awaitable<Received> receive(std::shared_ptr<StreamCore> self);
  void close() noexcept;

 private:
  // Receive side.
  std::optional<Received> parse_buffered();
  Received fail_parse(std::error_code ec);
  void start_pdu();
  void try_place();
  std::optional<iscsi::Pdu> finish_pdu();
  void divert() noexcept;
  std::error_code end_of_stream() const {
    return make_error_code(mid_pdu_ ? errc::closed_mid_pdu : errc::closed);
  }

  // Send side.
  std::unique_ptr<SendOp> take_op();
  void complete(std::unique_ptr<SendOp> op, std::error_code ec);
  void start_write();
  void on_written(std::error_code ec, std::size_t bytes);

  Socket socket_;
  int fd_ = -1;
  SocketAddress local_, remote_;
  const PathInfo path_;
  LiveCounters counters_;
  bool closed_ = false;

  std::shared_ptr<RxFilter> filter_;
  iscsi::PduParser parser_;
  std::optional<iscsi::PduLimits> pending_limits_;
  std::size_t rx_size_;
  std::unique_ptr<std::byte[]> rx_;
  std::size_t rx_begin_ = 0, rx_end_ = 0;  // unparsed bytes of rx_
  std::error_code rx_error_;               // sticky: the stream is over
  bool receiving_ = false;
  bool mid_pdu_ = false;  // some bytes of the current PDU were consumed
  std::uint64_t pdus_started_ = 0;
  bool dropping_ = false;  // the RxFilter discards the current PDU

  ExpectationTable table_;
  // The current PDU's placement: the iovec array handed to PduParser::place_data, which
  // must stay valid until the PDU is complete.
  std::vector<iovec> placing_;
  std::optional<Tag> placing_tag_;
  bool diverted_ = false;  // forget() abandoned the placement mid-PDU (see divert())

  iscsi::DigestConfig send_digests_;
  std::deque<std::unique_ptr<SendOp>> queued_;
  std::vector<std::unique_ptr<SendOp>> in_flight_;
  std::vector<std::unique_ptr<SendOp>> spare_ops_;  // recycled, so steady state allocates nothing
  std::vector<asio::const_buffer> gather_;          // the in-flight writev list
  bool writing_ = false;
  std::error_code tx_error_;  // sticky: a PDU may have been cut, the stream is unusable
};

// --- Receive -------------------------------------------------------------------------

asio::awaitable<Received> StreamCore::receive(std::shared_ptr<StreamCore> self) {
  StreamCore& s = *self;
  if (s.closed_) co_return Received{std::make_error_code(std::errc::not_connected), {}};
  if (s.receiving_) co_return Received{make_error_code(errc::receive_in_progress), {}};
  s.receiving_ = true;
  struct Done {
    bool& receiving;
    ~Done() { receiving = false; }
  } done{s.receiving_};

  for (;;) {
    if (s.rx_error_) co_return Received{s.rx_error_, {}};
    if (std::optional<Received> r = s.parse_buffered()) co_return std::move(*r);

    std::size_t limit = s.rx_size_;
    if (s.filter_) {
      limit = s.filter_->read_limit(limit);
      if (limit == 0) {
        // The injected end of the connection: the peer sees it too.
        boost::system::error_code ignored;
        s.socket_.shutdown(Socket::shutdown_both, ignored);
        s.rx_error_ = s.end_of_stream();
        continue;
      }
    }
    auto [ec, n] = co_await s.socket_.async_read_some(asio::buffer(s.rx_.get(), limit),
                                                      asio::as_tuple(asio::use_awaitable));
    // close() ran while the read was pending; never parse (or place) after close.
    if (s.closed_) co_return Received{canceled(), {}};
    s.counters_.bytes_received.add(n);
    if (ec == asio::error::eof) {
      s.rx_error_ = s.end_of_stream();
    } else if (ec == asio::error::operation_aborted) {
      // The awaiting coroutine was cancelled; the parser keeps its place for the next call.
      co_return Received{ec, {}};
    } else if (ec) {
      s.rx_error_ = ec;
    } else {
      if (s.filter_) s.filter_->on_read({s.rx_.get(), n});
      s.rx_begin_ = 0;
      s.rx_end_ = n;
    }
  }
}

// Feeds the buffered bytes to the parser until a PDU is complete (returned) or every byte
// is consumed (nullopt: read more).
std::optional<Received> StreamCore::parse_buffered() {
  for (;;) {
    const auto r = parser_.put({rx_.get() + rx_begin_, rx_end_ - rx_begin_});
    rx_begin_ += r.consumed;
    if (r.consumed > 0) mid_pdu_ = true;
    if (r.ec) return fail_parse(r.ec);
    switch (r.event) {
      case iscsi::PduParser::Event::need_more:
        rx_begin_ = rx_end_ = 0;
        return std::nullopt;
      case iscsi::PduParser::Event::header:
        start_pdu();
        break;
      case iscsi::PduParser::Event::pdu:
        if (std::optional<iscsi::Pdu> pdu = finish_pdu()) return Received{{}, std::move(*pdu)};
        break;
    }
  }
}

Received StreamCore::fail_parse(std::error_code ec) {
  rx_error_ = ec;
  Received out{ec, {}};
  if (iscsi::is_digest_error(ec)) counters_.digest_errors.add(1);
  // A data digest error leaves the framing intact: the header is trustworthy.
  if (ec == iscsi::pdu_errc::data_digest_mismatch) {
    out.pdu.bhs = parser_.bhs();
    out.pdu.data_placed = !placing_.empty();
  }
  placing_tag_.reset();
  return out;
}

void StreamCore::start_pdu() {
  ++pdus_started_;
  dropping_ = filter_ && filter_->drop_pdu(pdus_started_);
  placing_.clear();
  placing_tag_.reset();
  diverted_ = false;
  if (!dropping_) try_place();
}

// Data-In (at the initiator) and Data-Out (at the target) carry BufferOffset, which locates
// their data segment in the task's data (RFC 7143 11.7.6). Data-Out is matched by ITT, not
// TTT: solicited or not, its BufferOffset counts from the start of the task's data.
void StreamCore::try_place() {
  const iscsi::Bhs& bhs = parser_.bhs();
  const std::uint32_t length = bhs.data_segment_length();
  if (length == 0) return;
  std::uint32_t buffer_offset = 0;
  switch (bhs.opcode()) {
    case iscsi::Opcode::scsi_data_in: buffer_offset = iscsi::DataIn::decode(bhs).buffer_offset; break;
    case iscsi::Opcode::scsi_data_out: buffer_offset = iscsi::DataOut::decode(bhs).buffer_offset; break;
    default: return;
  }
  const Tag itt = bhs.initiator_task_tag();
  const std::span<const iovec> dest = table_.find(itt, buffer_offset, length);
  if (dest.empty()) {
    counters_.placement_misses.add(1);
    return;
  }
  placing_.assign(dest.begin(), dest.end());
  if (parser_.place_data(placing_)) {  // cannot happen for an exact slice; stay best-effort
    placing_.clear();
    counters_.placement_misses.add(1);
    return;
  }
  placing_tag_ = itt;
}

std::optional<iscsi::Pdu> StreamCore::finish_pdu() {
  iscsi::Pdu pdu = parser_.take();
  mid_pdu_ = false;
  if (pending_limits_) {
    (void)parser_.set_limits(*pending_limits_);  // at a boundary now: cannot fail
    pending_limits_.reset();
  }
  const bool dropped = std::exchange(dropping_, false);
  const bool diverted = std::exchange(diverted_, false);
  placing_.clear();
  placing_tag_.reset();
  if (dropped) return std::nullopt;

  counters_.pdus_received.add(1);
  const std::uint64_t length = pdu.bhs.data_segment_length();
  if (!pdu.data_placed) {
    counters_.bytes_owned.add(length);
  } else if (!diverted) {
    // The parser copied the data segment out of rx_ into the task's buffers.
    counters_.bytes_copied.add(length);
  }
  return pdu;
}

// The task of the PDU being placed was forgotten: its buffers may be freed as soon as we
// return, so the parser must not write the rest of the data segment into them.
void StreamCore::divert() noexcept {
  parser_.abandon_placement();
  placing_tag_.reset();
  diverted_ = true;
}

// --- Send ------------------------------------------------------------------------------

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
  queued_.push_back(std::move(op));
  start_write();
}

// Sends as many whole queued PDUs as fit in one gather list, in queue order.
void StreamCore::start_write() {
  if (writing_ || queued_.empty()) return;
  writing_ = true;
  gather_.clear();
  while (!queued_.empty()) {
    SendOp& next = *queued_.front();
    if (!in_flight_.empty() && gather_.size() + next.iov.size() > kMaxGather) break;
    for (const iovec& v : next.iov) gather_.emplace_back(v.iov_base, v.iov_len);
    in_flight_.push_back(std::move(queued_.front()));
    queued_.pop_front();
  }
  asio::async_write(socket_, gather_,
                    [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                      self->on_written(ec, n);
                    });
}

void StreamCore::on_written(std::error_code ec, std::size_t bytes) {
  writing_ = false;
  counters_.bytes_sent.add(bytes);
  if (ec && !tx_error_) tx_error_ = ec;
  // PDUs wholly written succeeded even if a later one in the batch failed.
  for (auto& op : in_flight_) {
    if (bytes >= op->size) {
      bytes -= op->size;
      counters_.pdus_sent.add(1);
      complete(std::move(op), {});
    } else {
      bytes = 0;
      complete(std::move(op), ec);
    }
  }
  in_flight_.clear();
  if (tx_error_) {
    while (!queued_.empty()) {
      complete(std::move(queued_.front()), closed_ ? canceled() : tx_error_);
      queued_.pop_front();
    }
  }
  start_write();
}

void StreamCore::close() noexcept {
  if (closed_) return;
  closed_ = true;
  table_.clear();
  if (placing_tag_) divert();
  // Cancels the pending read and write: they complete with operation_aborted, and the
  // caller's buffers are released only then.
  boost::system::error_code ignored;
  socket_.close(ignored);
  fd_ = -1;
  while (!queued_.empty()) {
    complete(std::move(queued_.front()), canceled());
    queued_.pop_front();
  }
}

// --- The Transport facade ---------------------------------------------------------------

class StreamTransport final : public Transport {
 public:
  explicit StreamTransport(std::shared_ptr<StreamCore> core) : core_(std::move(core)) {}
  ~StreamTransport() override { core_->close(); }

  int native_handle() const noexcept override { return core_->native_handle(); }
  SocketAddress local_endpoint() const override { return core_->local(); }
  SocketAddress remote_endpoint() const override { return core_->remote(); }
  // A plain stream: the CPU computes digests and copies; switch_to_tcp() is a no-op.
  Capabilities capabilities() const noexcept override { return {.switch_to_tcp = true}; }
  // Fixed at construction, so safe from any thread.
  PathInfo path_info() const override { return core_->path(); }
  Counters counters() const noexcept override { return core_->counters(); }

  void configure(const iscsi::PduLimits& limits) override { core_->configure(limits); }

  // With a std::error_code signature, use_awaitable returns the code as the value (only
  // boost::system::error_code is turned into an exception).
  asio::awaitable<std::error_code> send(const iscsi::OutgoingPdu& pdu) override {
    return asio::async_initiate<const asio::use_awaitable_t<>, void(std::error_code)>(
        [core = core_, pdu = &pdu](auto handler) { core->enqueue(*pdu, SendHandler(std::move(handler))); },
        asio::use_awaitable);
  }

  asio::awaitable<Received> receive() override { return StreamCore::receive(core_); }

  void expect(Tag itt, std::uint32_t buffer_offset, std::span<const iovec> buffers) override {
    core_->expect(itt, buffer_offset, buffers);
  }
  void forget(Tag itt) noexcept override { core_->forget(itt); }

  // Already the tcp byte stream: nothing to switch, and the PathInfo stays as it is.
  std::error_code switch_to_tcp(std::string_view) override { return {}; }

  void close() noexcept override { core_->close(); }

 private:
  std::shared_ptr<StreamCore> core_;
};

}  // namespace

std::unique_ptr<Transport> make_stream_transport(asio::io_context& io, OwnedFd socket,
                                                 StreamSetup setup, std::error_code& ec) {
  auto core = std::make_shared<StreamCore>(io, setup);
  ec = core->open(std::move(socket), setup.family, setup.protocol);
  if (ec) return nullptr;
  return std::make_unique<StreamTransport>(std::move(core));
}

}  // namespace uiscsi::offload::detail
