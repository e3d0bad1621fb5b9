// `uiscsiadm`: iscsiadm's commands against uiscsid. Each mode turns into control requests
// (initiator/daemon/initiatord.h) and prints what iscsiadm prints: results on `out`,
// diagnostics as "uiscsiadm: ..." on `err`, and exits with open-iscsi's codes.
#pragma once

#include <iosfwd>
#include <span>
#include <string_view>

namespace uiscsi::initiator::adm {

// `args` is argv (program name included). Returns the exit status.
int run_uiscsiadm(std::span<char*> args, std::string_view version, std::ostream& out, std::ostream& err);

}  // namespace uiscsi::initiator::adm
