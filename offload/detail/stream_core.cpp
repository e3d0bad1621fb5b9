#include "offload/detail/stream_core.h"

#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <string>

#include "offload/error.h"

namespace uiscsi::offload::detail {

namespace asio = boost::asio;

StreamCore::StreamCore(asio::io_context& io, StreamSetup& setup)
    : socket_(io),
      path_(std::move(setup.path)),
      options_(setup.options),
      placement_(setup.placement),
      can_switch_(setup.can_switch_to_tcp),
      filter_(std::move(setup.filter)),
      rx_size_(std::max<std::size_t>(setup.options.receive_buffer_size, 1)),
      rx_(std::make_unique_for_overwrite<std::byte[]>(rx_size_)),
      table_(std::max<std::size_t>(setup.options.expectation_capacity, 1)) {}

std::error_code StreamCore::open(OwnedFd fd, int family, int protocol) {
  boost::system::error_code ec;
  socket_.assign(asio::generic::stream_protocol(family, protocol), fd.get(), ec);
  if (ec) return ec;  // `fd` still owns the descriptor and closes it
  fd_ = fd.release();
  // The receive side calls readv(2) itself (it must choose its buffers at the moment of the
  // read, see stream_receive.cpp), so the socket must not block.
  socket_.non_blocking(true, ec);
  if (ec) return ec;
  local_ = SocketAddress::local_of(fd_);
  remote_ = SocketAddress::peer_of(fd_);
  // Refused (AF_UNIX, AF_SMC, an old kernel): the placement path then copies on send, as tcp.
  if (placement_) {
    zerocopy_ = enable_zerocopy(fd_);
    std::lock_guard lock(path_mutex_);
    path_.mode = zerocopy_ ? kZeroCopyMode : kNoZeroCopyRefused;
  }
  return {};
}

Capabilities StreamCore::capabilities() const noexcept {
  return {.digest_offload = false,
          .direct_placement = placement_,
          .rdma = false,
          .zero_copy_send = placement_ && zerocopy_,
          .switch_to_tcp = can_switch_,
          .file_send = placement_,
          .file_send_threshold = options_.file_send_threshold};
}

PathInfo StreamCore::path() const {
  std::lock_guard lock(path_mutex_);
  return path_;
}

void StreamCore::configure(const iscsi::PduLimits& limits) {
  send_digests_ = limits.digests();
  // The parser refuses new limits mid-PDU; they then wait for the end of that PDU.
  if (parser_.set_limits(limits)) {
    pending_limits_ = limits;
  } else {
    pending_limits_.reset();
  }
}

void StreamCore::expect(Tag itt, std::uint32_t buffer_offset, std::span<const iovec> buffers) {
  if (closed_) return;
  if (placing_tag_ == itt) divert();  // the caller may release the old buffers now
  if (table_.insert(itt, buffer_offset, buffers)) counters_.expectation_evictions.add(1);
}

void StreamCore::forget(Tag itt) noexcept {
  table_.erase(itt);
  if (placing_tag_ == itt) divert();
}

// The mode flag is all there is to switch: the framing, the parser and the queues are the
// same on both paths. A data segment being read straight into its buffers goes on by copy
// from the next read, and zerocopy sends already made complete as usual; nothing is lost.
std::error_code StreamCore::switch_to_tcp(std::string_view reason) {
  std::lock_guard lock(path_mutex_);
  if (path_.in_use == Path::tcp) return {};
  if (!can_switch_) return make_error_code(errc::not_supported);
  if (placement_) path_.mode.clear();  // tcp has one way of sending
  placement_ = false;
  path_.in_use = Path::tcp;
  path_.fallback_reason = "switched to tcp: " + std::string(reason);
  return {};
}

void StreamCore::close() noexcept {
  if (closed_) return;
  closed_ = true;
  table_.clear();
  if (placing_tag_) divert();
  if (zerocopy_ids_.outstanding() != 0) {
    // The kernel still holds pages of sends whose callers are about to be told "cancelled"
    // and may reuse them. An abortive close (RST) frees its queues now; a graceful one would
    // go on sending those pages from an orphaned socket, whatever they then hold.
    const linger abort{.l_onoff = 1, .l_linger = 0};
    (void)::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
  }
  // Cancels the pending wait and write: they complete with operation_aborted, and the
  // caller's buffers are released only then.
  boost::system::error_code ignored;
  socket_.close(ignored);
  fd_ = -1;
  cancel_sends();
}

}  // namespace uiscsi::offload::detail
