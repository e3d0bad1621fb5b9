// `uiscsi-bench raid [--json] [--seconds S] [--members N] [--member-size MiB]`.
#pragma once

#include <ostream>
#include <span>
#include <string_view>

namespace uiscsi::bench {

int run_raid_command(std::span<const std::string_view> args, std::ostream& out, std::ostream& err);

}  // namespace uiscsi::bench
