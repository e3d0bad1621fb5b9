// A uiscsi-bench subcommand (`uiscsi-bench NAME ARGS...`). To add one, write its run
// function in bench/ and list it in the table in bench/cli.cpp.
#pragma once

#include <ostream>
#include <span>
#include <string_view>

namespace uiscsi::bench {

struct Subcommand {
  std::string_view name;
  std::string_view summary;  // one line, shown by `uiscsi-bench --help`
  // `args` excludes the subcommand name. Results go to `out`, diagnostics to `err`.
  // Returns the process exit status: 0 success, 1 failure, 2 bad usage.
  int (*run)(std::span<const std::string_view> args, std::ostream& out, std::ostream& err);
};

}  // namespace uiscsi::bench
