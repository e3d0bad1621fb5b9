// uiscsiadm's side of the control socket: one request, one response (blocking).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "initiator/daemon/protocol.h"

namespace uiscsi::initiator::daemon {

enum class CallFailure { none, not_connected, io };

// nullopt with `error` set (and `failure` saying whether the daemon could not be reached or
// the exchange broke) when no response came; a refused request is a Response with !ok.
std::optional<Response> call(const std::filesystem::path& socket, const Request& request, std::string& error,
                             CallFailure& failure, std::chrono::seconds timeout);

}  // namespace uiscsi::initiator::daemon
