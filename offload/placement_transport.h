// The `placement` path: the tcp path's socket and framing, with a flow table (the
// expect()ations, bounded, LRU eviction) that steers each Data-In / Data-Out data segment
// from the socket straight into its task's buffers with readv(2), the CRC32C computed over
// the placed bytes right after they land; waiting for such a segment sets SO_RCVLOWAT to
// the read's size, so each window costs one wake-up and one readv. What the table does not
// cover (a miss, an evicted entry, a range outside it) and what already sat in the
// read-ahead buffer is copied, as on tcp: placement is best-effort, never an error. Large
// payloads are sent with MSG_ZEROCOPY when the socket accepts SO_ZEROCOPY (see
// Transport::send for the buffer contract), until the kernel reports that it copied one
// anyway (loopback always does): from then on plain sendmsg gather writes from the same
// buffers, and PathInfo::mode says why. A data segment that names a file range
// (OutgoingPdu::file, Capabilities::file_send: the target's Data-In from a file backend)
// goes from the page cache to the socket with sendfile(2), between the gather writes of the
// PDUs around it, never through user space (bytes_sendfile).
// switch_to_tcp() turns all three off at once, losing nothing: file ranges are then read
// into memory first (bytes_file_read), as on tcp.
#pragma once

#include <memory>
#include <system_error>

#include "offload/owned_fd.h"
#include "offload/registry.h"
#include "offload/transport.h"

namespace boost::asio {
class io_context;
}

namespace uiscsi::offload {

// The registry entry: available wherever TCP is (it needs nothing from the kernel beyond
// readv; MSG_ZEROCOPY is used when there and silently skipped when not).
TransportFactory placement_factory();

// Wraps a connected TCP socket; takes ownership of it in every case. Fails with
// std::errc::invalid_argument if it is not a connected IPv4/IPv6 stream socket.
std::unique_ptr<Transport> make_placement_transport(boost::asio::io_context& io, OwnedFd socket,
                                                    PathInfo path, const TransportOptions& options,
                                                    std::error_code& ec);

}  // namespace uiscsi::offload
