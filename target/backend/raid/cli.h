// Runs uiscsi-raid commands on member files, offline (the volume is assembled for the
// command and closed cleanly after it). The tool's main only parses and calls this.
#pragma once

#include <ostream>

#include "target/backend/raid/cli_args.h"

namespace uiscsi::target::raid {

inline constexpr int kCliOk = 0;
inline constexpr int kCliFailure = 1;
inline constexpr int kCliUsage = 2;
inline constexpr int kCliMismatches = 3;  // scrub found mismatches and did not repair them

// Reports for people go to `out`, errors to `err`; `terminal` draws progress bars instead
// of progress lines.
int run_cli(const CliCommand& command, std::ostream& out, std::ostream& err, bool terminal);

}  // namespace uiscsi::target::raid
