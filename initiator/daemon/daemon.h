// `uiscsid`: the initiator daemon. It opens the node database, restores the sessions of
// nodes with node.startup = automatic, and answers uiscsiadm on its control socket until
// SIGTERM or SIGINT, when it logs every session out and exits 0.
#pragma once

#include <iosfwd>
#include <span>
#include <string_view>

namespace uiscsi::initiator::daemon {

// `args` excludes the program name. Returns the exit status: 0, 1 (start-up failure) or
// 2 (bad command line).
int run_uiscsid(std::span<const std::string_view> args, std::string_view version, std::ostream& out,
                std::ostream& err);

std::string_view uiscsid_help() noexcept;

}  // namespace uiscsi::initiator::daemon
