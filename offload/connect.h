// Initiator side: open a connection to a portal and get a transport on the chosen path, so
// the initiator never handles raw sockets.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "offload/registry.h"
#include "offload/socket_address.h"

namespace boost::asio {
class io_context;
}

namespace uiscsi::offload {

// Connects to `portal` (a numeric IPv4/IPv6 address and port) and wraps the socket in a
// transport on the path `policy` selects from `registry`. An explicit policy for a path
// that is not usable fails before any connection is made. `registry` must outlive the
// awaitable. Errors are in Selection::ec / ::error (never thrown). Cancelled while the
// kernel is still connecting (the caller's timeout), it fails with operation_aborted and
// Selection::pending says what the path reports about that connect (smc: the SMC
// handshake's state from SMC_DIAG), or is empty.
boost::asio::awaitable<Selection> connect(boost::asio::io_context& io, SocketAddress portal,
                                          Policy policy, const Registry& registry,
                                          TransportOptions options = {});

}  // namespace uiscsi::offload
