// The control commands that show what the server is doing:
//   sessions      every session in Full Feature Phase (I_T nexus, RFC 7143 4.4.2)
//   connections   every connection, logging in or logged in: its 4-tuple, data path,
//                 fallback reason and counters
//   portals       the listening addresses with their real ports
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <vector>

#include "offload/socket_address.h"
#include "target/control/dispatcher.h"
#include "target/iscsi/server.h"

namespace uiscsi::target::control {

// Where the snapshots come from: a Server (status_source()), or fakes in tests. Each
// function must be safe to call from the control socket's thread.
struct StatusSource {
  std::function<std::vector<iscsit::SessionInfo>()> sessions;
  std::function<std::vector<iscsit::ConnectionInfo>()> connections;
  std::function<std::vector<offload::SocketAddress>()> listening;
};

// `server` must outlive the returned functions.
StatusSource status_source(const iscsit::Server& server);

void add_status_commands(Dispatcher& dispatcher, StatusSource source);

// The JSON items of the tables (what `ctl ... --json` prints).
boost::json::object to_json(const iscsit::ConnectionInfo& connection);
boost::json::object to_json(const iscsit::SessionInfo& session);

}  // namespace uiscsi::target::control
