#include "offload/loopback.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "offload/detail/stream_transport.h"
#include "offload/owned_fd.h"

namespace uiscsi::offload::testing {

std::size_t FaultInjector::read_limit(std::size_t space) {
  if (faults.byte_at_a_time) space = std::min<std::size_t>(space, 1);
  if (faults.close_after) {
    const std::uint64_t left = *faults.close_after > bytes_seen_ ? *faults.close_after - bytes_seen_ : 0;
    space = static_cast<std::size_t>(std::min<std::uint64_t>(space, left));
  }
  return space;
}

void FaultInjector::on_read(std::span<std::byte> chunk) {
  if (faults.corrupt_offset && *faults.corrupt_offset >= bytes_seen_ &&
      *faults.corrupt_offset < bytes_seen_ + chunk.size()) {
    chunk[*faults.corrupt_offset - bytes_seen_] ^= std::byte{0xff};
  }
  bytes_seen_ += chunk.size();
}

bool FaultInjector::drop_pdu(std::uint64_t index) {
  pdus_seen_ = index;
  if (index != faults.drop_pdu) return false;
  ++pdus_dropped_;
  return true;
}

namespace {

std::unique_ptr<Transport> make_end(boost::asio::io_context& io, OwnedFd fd,
                                    std::shared_ptr<FaultInjector> injector,
                                    const TransportOptions& options, Path path) {
  offload::detail::StreamSetup setup;
  setup.family = AF_UNIX;
  setup.protocol = 0;
  setup.path = PathInfo{.requested = *policy_from_name(name(path)), .in_use = path, .fallback_reason = {}};
  setup.options = options;
  setup.filter = std::move(injector);
  setup.placement = path == Path::placement;
  std::error_code ec;
  auto transport = offload::detail::make_stream_transport(io, std::move(fd), std::move(setup), ec);
  if (ec) throw std::system_error(ec, "loopback transport");
  return transport;
}

}  // namespace

LoopbackPair make_loopback_pair(boost::asio::io_context& io, Faults first_receives,
                                Faults second_receives, const TransportOptions& options, Path path) {
  if (path != Path::tcp && path != Path::placement) {
    throw std::invalid_argument("a loopback pair runs the tcp or placement path only");
  }
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    throw std::system_error(errno, std::system_category(), "socketpair");
  }
  OwnedFd a(fds[0]), b(fds[1]);
  LoopbackPair pair;
  pair.first_faults = std::make_shared<FaultInjector>(first_receives);
  pair.second_faults = std::make_shared<FaultInjector>(second_receives);
  pair.first = make_end(io, std::move(a), pair.first_faults, options, path);
  pair.second = make_end(io, std::move(b), pair.second_faults, options, path);
  return pair;
}

}  // namespace uiscsi::offload::testing
