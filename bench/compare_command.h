// `uiscsi-bench compare [--quick] [--json FILE] [--plot FILE.svg|png] ...`.
#pragma once

#include <ostream>
#include <span>
#include <string_view>

namespace uiscsi::bench {

int run_compare_command(std::span<const std::string_view> args, std::ostream& out, std::ostream& err);

}  // namespace uiscsi::bench
