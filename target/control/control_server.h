// uiscsi-target's control socket: the shared line server (control/line_server.h) answering
// each request line with the Dispatcher (protocol.h).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "control/line_server.h"

namespace uiscsi::target::control {

class Dispatcher;

using ControlServer = uiscsi::control::LineServer;

// Binds `path` (see LineServer::open). `dispatcher` must outlive the server. On failure
// returns null and sets `error`.
std::unique_ptr<ControlServer> open_control_server(boost::asio::io_context& io, const std::filesystem::path& path,
                                                   const Dispatcher& dispatcher, std::string& error);

}  // namespace uiscsi::target::control
