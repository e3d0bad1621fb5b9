// The transport over a connected stream socket, shared by the tcp path and the test
// loopback (a Unix socketpair). Framing, placement, the send queue and the counters live
// here once; what differs (socket family, PathInfo, a fault-injecting RxFilter) is passed in.
#pragma once

#include <memory>

#include "offload/detail/rx_filter.h"
#include "offload/owned_fd.h"
#include "offload/transport.h"

namespace boost::asio {
class io_context;
}

namespace uiscsi::offload::detail {

struct StreamSetup {
  int family = 0;    // AF_INET, AF_INET6 or AF_UNIX: the socket's domain
  int protocol = 0;  // IPPROTO_TCP, or 0 for AF_UNIX
  PathInfo path;
  TransportOptions options;
  std::shared_ptr<RxFilter> filter;  // may be null
};

// Takes ownership of `socket` (a connected SOCK_STREAM socket) in every case. On error
// (the socket cannot be registered with `io`) returns null and sets `ec`.
std::unique_ptr<Transport> make_stream_transport(boost::asio::io_context& io, OwnedFd socket,
                                                 StreamSetup setup, std::error_code& ec);

}  // namespace uiscsi::offload::detail
