// `ctl offload --conn ID PATH`: moves one connection to another data path at run time.
// Only `tcp` can be reached that way (offload::Transport::switch_to_tcp): the other paths
// are chosen when a connection is made (the portal's `offload` policy). The connection's
// ID is the one `ctl connections` shows.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <system_error>

#include "target/control/dispatcher.h"

namespace uiscsi::target::control {

// Switches connection `id` to tcp with `reason` as its fallback reason
// (iscsit::Server::switch_to_tcp, or a fake in tests). Called on the control thread.
using SwitchToTcp = std::function<std::error_code(std::uint64_t id, std::string_view reason)>;

void add_offload_command(Dispatcher& dispatcher, SwitchToTcp switch_to_tcp);

}  // namespace uiscsi::target::control
