// uiscsi-target: the iSCSI target daemon. Everything it does lives in target/control/
// (command line, daemon, control socket) and target/config/ (configuration); this is the
// entry point only.
#include <csignal>
#include <iostream>
#include <string_view>
#include <vector>

#include "target/config/configuration_source.h"
#include "target/control/command_line.h"
#include "target/control/daemon.h"

int main(int argc, char** argv) {
  namespace control = uiscsi::target::control;
  // A peer that disconnects while we write must cost that connection an EPIPE, not the
  // process its life.
  std::signal(SIGPIPE, SIG_IGN);

  const std::vector<std::string_view> args(argv + 1, argv + argc);
  const auto parsed = control::parse_command_line(args);
  if (!parsed.command_line) {
    std::cerr << "uiscsi-target: " << parsed.error << '\n';
    return control::kExitUsage;
  }
  const control::CommandLine& command_line = *parsed.command_line;
  switch (command_line.action) {
    case control::Action::help:
      std::cout << control::help_text();
      return control::kExitOk;
    case control::Action::version:
      std::cout << "uiscsi-target " << UISCSI_VERSION << '\n';
      return control::kExitOk;
    case control::Action::check_config:
      return uiscsi::target::config::check_config(command_line.configuration_source(), std::cout)
                 ? control::kExitOk
                 : control::kExitFailure;
    case control::Action::control:
      return control::run_ctl(command_line, std::cout, std::cerr);
    case control::Action::serve:
      break;
  }
  return control::run_daemon(command_line, UISCSI_VERSION, std::cout, std::cerr);
}
