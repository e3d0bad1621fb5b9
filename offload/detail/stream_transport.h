// The transport over a connected stream socket, shared by the tcp, placement and smc paths
// and the test loopback (a Unix socketpair). Framing, placement, the send queue and the
// counters live here once; what differs (socket family, PathInfo, direct placement and
// zerocopy sends, a fault-injecting RxFilter) is passed in.
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
  int family = 0;    // AF_INET, AF_INET6, AF_SMC or AF_UNIX: the socket's domain
  int protocol = 0;  // IPPROTO_TCP, SMCPROTO_SMC(6), or 0 for AF_UNIX
  PathInfo path;
  TransportOptions options;
  std::shared_ptr<RxFilter> filter;  // may be null
  // The placement path: data segments go straight from the socket into expect()ed buffers
  // (readv), and large payloads leave with MSG_ZEROCOPY if the socket accepts SO_ZEROCOPY.
  // switch_to_tcp() turns both off.
  bool placement = false;
  // Whether switch_to_tcp() may leave this path (false for an SMC-R / SMC-D connection,
  // whose data does not flow over TCP at all).
  bool can_switch_to_tcp = true;
};

// Takes ownership of `socket` (a connected SOCK_STREAM socket) in every case. On error
// (the socket cannot be registered with `io`) returns null and sets `ec`.
std::unique_ptr<Transport> make_stream_transport(boost::asio::io_context& io, OwnedFd socket,
                                                 StreamSetup setup, std::error_code& ec);

}  // namespace uiscsi::offload::detail
