// uiscsiadm's command line: iscsiadm's options and modes (iscsiadm(8)), parsed with
// getopt_long as iscsiadm does, so that `--loginall=automatic`, `-m node -T IQN -p IP -l`
// and friends mean the same.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace uiscsi::initiator::adm {

enum class Mode { none, discovery, discoverydb, node, session };
enum class Op { none, create, remove, update, show };  // -o new | delete | update | show

struct CommandLine {
  Mode mode = Mode::none;
  Op op = Op::none;
  std::optional<std::string> target;      // -T
  std::optional<std::string> address;     // -p IP[:PORT]: the address...
  std::optional<std::uint16_t> port;      // ...and the port when given
  std::optional<std::string> type;        // -t st | sendtargets
  std::optional<std::string> name, value; // -n, -v
  std::optional<int> sid;                 // -r
  int print_level = -1;                   // -P; -1 when not given
  bool login = false;                     // -l
  bool logout = false;                    // -u
  bool discover = false;                  // -D / --discover
  bool stats = false;                     // -s
  bool show_secrets = false;              // -S
  std::optional<std::string> login_all;   // -L all|manual|automatic
  std::optional<std::string> logout_all;  // -U all|manual|automatic
  std::string socket = "/run/uiscsi/uiscsid.sock";  // --socket
  bool help = false, version = false;
};

struct ParsedCommandLine {
  std::optional<CommandLine> command_line;
  std::string error;  // when command_line is empty
};

// `args` includes the program name (argv[0]), as getopt wants it.
ParsedCommandLine parse_command_line(std::span<char*> args);

std::string_view help_text() noexcept;

}  // namespace uiscsi::initiator::adm
