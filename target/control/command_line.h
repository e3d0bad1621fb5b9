// The command line of uiscsi-target (`uiscsi-target --help` prints help_text()).
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "target/config/configuration_source.h"
#include "target/control/protocol.h"
#include "target/iscsi/config.h"

namespace uiscsi::target::control {

enum class Action {
  serve,         // run the daemon
  check_config,  // --check-config: report on the configuration and exit
  control,       // ctl COMMAND: ask a running daemon
  help,          // --help
  version,       // --version
};

struct CommandLine {
  Action action = Action::serve;
  std::optional<std::filesystem::path> config_file;  // -c FILE; none: the embedded default
  std::vector<iscsit::Portal> listen;                // --listen, in the order given
  std::filesystem::path data_directory{"uiscsi-data"};
  std::optional<std::filesystem::path> control_socket;  // --ctl / --socket
  unsigned threads = 0;                                 // --threads; 0: one per core

  // ctl: the request for the daemon, and how to show its answer.
  Request request;
  bool json = false;

  // The control socket to use: --ctl, or the default for the data directory.
  std::filesystem::path socket_path() const;
  // What to serve: -c FILE or the embedded default, with --listen.
  config::ConfigurationSource configuration_source() const;
};

struct ParsedCommandLine {
  std::optional<CommandLine> command_line;  // nullopt: `error` says what is wrong
  std::string error;
};

// `args` excludes the program name.
ParsedCommandLine parse_command_line(std::span<const std::string_view> args);

// The --help text: every option, the ctl commands, the signals and the exit status.
std::string_view help_text() noexcept;

// Exit status of the program (also documented in help_text()).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // bad configuration, start-up or control failure
inline constexpr int kExitUsage = 2;    // bad command line

}  // namespace uiscsi::target::control
