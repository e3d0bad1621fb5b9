// uiscsi-probe: the scripted iSCSI client of the integration tests (tests/integration/*.sh).
#include <csignal>
#include <iostream>
#include <string_view>

#include "probe/commands.h"

namespace {

struct Subcommand {
  std::string_view name;
  int (*run)(const uiscsi::probe::Options&);
};

constexpr Subcommand kSubcommands[] = {
    {"login", uiscsi::probe::run_login},
    {"hostile", uiscsi::probe::run_hostile},
    {"read-loop", uiscsi::probe::run_read_loop},
    {"write-log", uiscsi::probe::run_write_log},
    {"verify-log", uiscsi::probe::run_verify_log},
};

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  std::string error;
  const auto options = uiscsi::probe::parse_options(argc, argv, error);
  if (!options) {
    std::cerr << "uiscsi-probe: " << error << '\n';
    return 2;
  }
  for (const Subcommand& s : kSubcommands) {
    if (s.name == options->command) return s.run(*options);
  }
  std::cerr << "uiscsi-probe: unknown command '" << options->command
            << "' (login, hostile, read-loop, write-log, verify-log)\n";
  return 2;
}
