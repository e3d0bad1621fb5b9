// `uiscsi-bench io [OPTIONS] iscsi://HOST[:PORT]/IQN/LUN`.
#pragma once

#include <ostream>
#include <span>
#include <string_view>

namespace uiscsi::bench {

int run_io_command(std::span<const std::string_view> args, std::ostream& out, std::ostream& err);

}  // namespace uiscsi::bench
