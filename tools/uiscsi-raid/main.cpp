// uiscsi-raid: create, assemble and manage software RAID volumes on member files offline.
// Everything it does lives in target/backend/raid/ (cli_args.h, cli.h); this is the entry
// point only.
#include <unistd.h>

#include <exception>
#include <iostream>
#include <string_view>
#include <vector>

#include "target/backend/raid/cli.h"

int main(int argc, char** argv) {
  namespace raid = uiscsi::target::raid;
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  const auto parsed = raid::parse_cli(args);
  if (!parsed.command) {
    std::cerr << "uiscsi-raid: " << parsed.error << '\n' << raid::cli_usage();
    return raid::kCliUsage;
  }
  try {
    return raid::run_cli(*parsed.command, std::cout, std::cerr, ::isatty(STDOUT_FILENO) == 1);
  } catch (const std::exception& e) {
    std::cerr << "uiscsi-raid: " << e.what() << '\n';
    return raid::kCliFailure;
  }
}
