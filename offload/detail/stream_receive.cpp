// The receive side of a stream connection: read, frame, place.
//
// Reads are made with readv(2) by this code, after waiting for the socket to be readable,
// rather than handed to Asio as a pending read into fixed buffers. The buffers of a read are
// thus chosen at the moment it happens, so a forget() (or close()) that ran while the
// receiver was waiting is always honoured: no read into a task's buffers is ever pending.
//
// Placement path. Headers and small data segments come through the read-ahead buffer rx_,
// so a burst of small PDUs costs one system call. When a data segment that an expectation
// covers still has at least TransportOptions::direct_read_threshold bytes in the socket, the
// next read is a readv whose first buffers are the task's own (PduParser::placement_window)
// and whose last is rx_, sized to take just the rest of the PDU and the next header. The
// parser then digests the placed bytes in place (PduParser::skip_placed) while they are
// still in cache. Bytes that were already in rx_ are copied (bytes_copied), the rest placed
// (bytes_placed). While any expectation is registered, reads at a PDU boundary stop at the
// end of the next header too, so a large data segment behind it is not swallowed by the
// read-ahead and copied.
//
// Before waiting for more of a data segment that is read straight into its task's buffers,
// the placement path sets SO_RCVLOWAT to the bytes that read will take: the kernel then
// wakes the receiver once, when the whole window has arrived, and one readv takes it, instead
// of a wake-up and a readv for every few packets. Those bytes are certain to come (they are
// the rest of a data segment whose header has arrived), and TCP wakes the reader early
// anyway under memory pressure or when its window is small, so this never waits for bytes
// that cannot arrive. Any other wait uses a low-water mark of 1, the default.
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>

#include "iscsi/pdu_data.h"
#include "iscsi/pdu_error.h"
#include "offload/detail/stream_core.h"
#include "offload/error.h"

namespace uiscsi::offload::detail {
namespace {

namespace asio = boost::asio;

// Most task-buffer pieces one readv takes (it adds one for rx_); well below IOV_MAX.
constexpr std::size_t kMaxPlacedIov = 63;
// The most bytes between the end of a data segment and the end of the next BHS: padding,
// data digest, BHS, header digest.
constexpr std::size_t kMaxTail = 3 + iscsi::kDigestLength + iscsi::kBhsLength + iscsi::kDigestLength;

// The highest SO_RCVLOWAT set: far above any one read (rx_size_), far below INT_MAX.
constexpr std::size_t kMaxLowWater = std::size_t{1} << 30;

std::error_code canceled() { return std::make_error_code(std::errc::operation_canceled); }

}  // namespace

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

    // rx_ is empty and the parser wants more. Plan and make one read, waiting for the
    // socket in between if it has nothing (and planning again after the wait).
    for (;;) {
      const ReadPlan plan = s.plan_read();
      if (plan.total == 0) {
        // The injected end of the connection: the peer sees it too.
        boost::system::error_code ignored;
        s.socket_.shutdown(Socket::shutdown_both, ignored);
        s.rx_error_ = s.end_of_stream();
        break;
      }
      const ssize_t n = ::readv(s.fd_, s.read_iov_.data(), static_cast<int>(s.read_iov_.size()));
      if (n >= 0) {
        s.take_read(plan, static_cast<std::size_t>(n));
        break;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        s.rx_error_ = {errno, std::system_category()};
        break;
      }
      s.set_receive_low_water(plan.placed);
      auto [ec] = co_await s.socket_.async_wait(Socket::wait_read, asio::as_tuple(asio::use_awaitable));
      // close() ran while we waited; never read (or place) after close.
      if (s.closed_) co_return Received{canceled(), {}};
      // The awaiting coroutine was cancelled; nothing was read, the next call resumes.
      if (ec == asio::error::operation_aborted) co_return Received{ec, {}};
      if (ec) {
        s.rx_error_ = ec;
        break;
      }
    }
  }
}

StreamCore::ReadPlan StreamCore::plan_read() {
  read_iov_.clear();
  ReadPlan plan;
  if (placement_ && parser_.placement_active() &&
      parser_.data_remaining() >= std::max<std::size_t>(options_.direct_read_threshold, 1)) {
    read_iov_.resize(kMaxPlacedIov);
    read_iov_.resize(parser_.placement_window(read_iov_).size());
    // One read takes at most rx_size_ bytes of the segment, so the digest that follows it
    // runs over bytes still in cache.
    std::size_t kept = 0;
    for (std::size_t i = 0; i < read_iov_.size(); ++i) {
      iovec& v = read_iov_[i];
      v.iov_len = std::min(v.iov_len, rx_size_ - kept);
      kept += v.iov_len;
      if (kept == rx_size_) {
        read_iov_.resize(i + 1);
        break;
      }
    }
    plan.placed = kept;
    // The rest of the PDU and the next header, if this read can reach them.
    if (kept == parser_.data_remaining()) read_iov_.push_back({rx_.get(), std::min(rx_size_, tail_after_data())});
  } else {
    read_iov_.push_back({rx_.get(), read_ahead()});
  }
  std::size_t total = 0;
  for (const iovec& v : read_iov_) total += v.iov_len;
  if (filter_) {
    // The fault injector may cut the read short (or end the stream: 0).
    std::size_t left = filter_->read_limit(total);
    for (std::size_t i = 0; i < read_iov_.size(); ++i) {
      read_iov_[i].iov_len = std::min(read_iov_[i].iov_len, left);
      left -= read_iov_[i].iov_len;
      if (left == 0) {
        read_iov_.resize(i + 1);
        break;
      }
    }
    total = 0;
    for (const iovec& v : read_iov_) total += v.iov_len;
    plan.placed = std::min(plan.placed, total);
  }
  plan.total = total;
  return plan;
}

void StreamCore::set_receive_low_water(std::size_t placed) noexcept {
  const int bytes = static_cast<int>(std::clamp<std::size_t>(placed, 1, kMaxLowWater));
  if (bytes == receive_low_water_) return;
  // Best effort: a socket that refuses it (or ignores it, as AF_UNIX does) just wakes sooner.
  if (::setsockopt(fd_, SOL_SOCKET, SO_RCVLOWAT, &bytes, sizeof bytes) == 0) receive_low_water_ = bytes;
}

// How much to read into rx_ when no data segment is being placed.
std::size_t StreamCore::read_ahead() const noexcept {
  if (!placement_ || table_.size() == 0) return rx_size_;
  // Data is expected: stop at the end of the next header (of the current PDU's data too,
  // if it is not being placed), so the data segment behind it can be placed.
  const std::size_t rest = parser_.data_remaining();
  return std::min(rx_size_, rest != 0 ? rest + tail_after_data() : kMaxTail);
}

// Padding and data digest of the current PDU, then the next BHS and its header digest.
std::size_t StreamCore::tail_after_data() const noexcept {
  const iscsi::PduLimits& limits = parser_.limits();
  return iscsi::padding_length(parser_.bhs().data_segment_length()) +
         (limits.data_digest ? iscsi::kDigestLength : 0) + iscsi::kBhsLength +
         (limits.header_digest ? iscsi::kDigestLength : 0);
}

// Accounts for a read of `n` bytes made with plan `plan`.
void StreamCore::take_read(const ReadPlan& plan, std::size_t n) {
  counters_.bytes_received.add(n);
  if (n == 0) {
    rx_error_ = end_of_stream();
    return;
  }
  if (filter_) {
    std::size_t left = n;
    for (const iovec& v : read_iov_) {
      const std::size_t k = std::min(v.iov_len, left);
      filter_->on_read({static_cast<std::byte*>(v.iov_base), k});
      left -= k;
      if (left == 0) break;
    }
  }
  const std::size_t placed = std::min(n, plan.placed);
  if (placed != 0) {
    mid_pdu_ = true;
    read_direct_ += placed;
    // Nothing ran between planning and now, so the window is still the parser's.
    if (const std::error_code ec = parser_.skip_placed(placed)) {
      rx_error_ = ec;
      return;
    }
  }
  rx_begin_ = 0;
  rx_end_ = n - placed;
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
  read_direct_ = 0;
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
  counters_.placement_hits.add(1);
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
  const std::size_t direct = std::exchange(read_direct_, 0);
  placing_.clear();
  placing_tag_.reset();
  if (dropped) return std::nullopt;

  counters_.pdus_received.add(1);
  const std::uint64_t length = pdu.bhs.data_segment_length();
  if (!pdu.data_placed) {
    counters_.bytes_owned.add(length);
  } else if (!diverted) {
    // Read straight into the task's buffers, or copied there out of rx_ by the parser.
    counters_.bytes_placed.add(direct);
    counters_.bytes_copied.add(length - direct);
  }
  return pdu;
}

// The task of the PDU being placed was forgotten: its buffers may be freed as soon as we
// return, so the parser must not write the rest of the data segment into them (and no read
// will be planned into them: placement_active() is false from now on).
void StreamCore::divert() noexcept {
  parser_.abandon_placement();
  placing_tag_.reset();
  diverted_ = true;
}

std::error_code StreamCore::end_of_stream() const {
  return make_error_code(mid_pdu_ ? errc::closed_mid_pdu : errc::closed);
}

}  // namespace uiscsi::offload::detail
