// The `tcp` path: an ordinary kernel TCP socket. The CPU frames PDUs, copies payloads out of
// the receive buffer and computes CRC32C; expect()ed buffers are filled by that copy.
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

// The registry entry: always available.
TransportFactory tcp_factory();

// Wraps a connected TCP socket; takes ownership of it in every case. Fails with
// std::errc::invalid_argument if it is not a connected IPv4/IPv6 stream socket.
std::unique_ptr<Transport> make_tcp_transport(boost::asio::io_context& io, OwnedFd socket,
                                              PathInfo path, const TransportOptions& options,
                                              std::error_code& ec);

}  // namespace uiscsi::offload
