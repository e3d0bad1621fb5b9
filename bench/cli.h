// Entry point of uiscsi-bench: picks the subcommand and hands it the remaining arguments.
#pragma once

#include <ostream>
#include <span>
#include <string_view>

namespace uiscsi::bench {

// `args` excludes the program name. Returns the process exit status.
int run_cli(std::span<const std::string_view> args, std::ostream& out, std::ostream& err);

}  // namespace uiscsi::bench
