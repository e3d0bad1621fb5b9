// `uiscsi-target` serving: loads the configuration, starts the iscsit::Server and the
// control socket, prints what it serves, and then lives on signals:
//   SIGHUP           reload the configuration file; keep the running one if it is bad
//   SIGTERM, SIGINT  Server::shutdown() (flush, Async logout) and return 0
#pragma once

#include <iosfwd>
#include <string_view>

#include "target/control/command_line.h"

namespace uiscsi::target::control {

// Returns the exit status. `out` gets the banner, `log` the diagnostics and events.
int run_daemon(const CommandLine& command_line, std::string_view version, std::ostream& out,
               std::ostream& log);

// `uiscsi-target ctl ...`: one request to the running daemon, its answer on `out`.
int run_ctl(const CommandLine& command_line, std::ostream& out, std::ostream& err);

}  // namespace uiscsi::target::control
