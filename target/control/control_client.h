// The `uiscsi-target ctl` side of the control socket: one request, one response.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "target/control/protocol.h"

namespace uiscsi::target::control {

// Connects to `socket`, sends `request` and waits up to `timeout` for the response line
// (blocking). nullopt with `error` set when the daemon cannot be reached or answers with
// something that is not a response; a refused request is a Response with ok == false.
std::optional<Response> call(const std::filesystem::path& socket, const Request& request,
                             std::string& error,
                             std::chrono::seconds timeout = std::chrono::seconds(10));

}  // namespace uiscsi::target::control
