// How a session opens its connections. The session never handles sockets: it asks a
// Connector for a transport to a portal, logs in over it, and asks again after a failure.
// The default connects over TCP through the offload registry; tests hand in a connector
// that returns one end of an in-process loopback pair (offload/loopback.h).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <string>
#include <system_error>

#include "initiator/portal.h"
#include "offload/registry.h"
#include "offload/transport.h"

namespace boost::asio {
class io_context;
}

namespace uiscsi::initiator {

struct Connected {
  std::unique_ptr<offload::Transport> transport;  // null on error
  std::error_code ec;
  std::string error;  // for people: which step failed and why
  // A connect cancelled before it completed (the login timeout): what it was still doing,
  // when its path can tell (offload::Selection::pending); empty otherwise.
  std::string pending{};
};

// Called on the session's io_context; may be called again while an earlier transport it
// returned is still open (a reconnection overlaps the old connection's teardown). When the
// login timeout runs out first, the connect is cancelled and its answer is still read:
// Connected::pending goes into the "timed out" message.
using Connector = std::function<boost::asio::awaitable<Connected>(const Portal&)>;

// Connects to the portal's numeric address with offload::connect on the data path `policy`
// selects from `registry` (kept inside the connector). The path is a property of the
// connector, not of the session: every connection of a session made through it asks for
// the same path, and Session::info().path reports what each really got.
Connector make_connector(boost::asio::io_context& io, offload::Registry registry,
                         offload::Policy policy = offload::Policy::tcp,
                         offload::TransportOptions options = {});

}  // namespace uiscsi::initiator
