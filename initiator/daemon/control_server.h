// uiscsid's control socket: the shared line server (control/line_server.h) decoding each
// request line (protocol.h) for an asynchronous handler. A login takes seconds; other
// clients are served meanwhile, and one client's requests are answered in order.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "control/line_server.h"
#include "initiator/daemon/protocol.h"

namespace uiscsi::initiator::daemon {

using Handler = std::function<boost::asio::awaitable<Response>(Request)>;
using ControlServer = uiscsi::control::LineServer;

// Binds `path` (see LineServer::open). On failure returns null and sets `error`.
std::unique_ptr<ControlServer> open_control_server(boost::asio::io_context& io, const std::filesystem::path& path,
                                                   Handler handler, std::string& error);

}  // namespace uiscsi::initiator::daemon
