#include "target/control/command_line.h"

#include <charconv>

#include "target/config/portal_text.h"
#include "target/control/socket_path.h"

namespace uiscsi::target::control {
namespace {

constexpr std::string_view kHelp = R"(usage: uiscsi-target [OPTIONS]
       uiscsi-target ctl COMMAND [--json] [--socket PATH] [--NAME VALUE]... [OPERAND]...

uiscsi-target serves iSCSI targets (RFC 7143) from files, block devices or memory.

Without -c it serves the embedded default: target iqn.2026-11.org.uiscsi:default with
LUN 0 on ./uiscsi-data/lun0.img (a sparse 1 GiB file, created if missing), on
127.0.0.1:3260, without authentication. It prints what it serves and how to connect.

Options:
  -c, --config FILE     serve what the TOML file FILE describes (targets, portals, LUNs,
                        ACLs, CHAP, negotiation limits, offload policy; see
                        docs/target.example.toml). Relative paths in it are relative to
                        the directory of FILE.
      --check-config    check the configuration (FILE, or the embedded default) and exit;
                        every problem is printed as FILE:LINE:COLUMN: error|warning: ...
      --listen ADDR:PORT
                        serve every target on this portal instead of the portals of the
                        configuration; repeat for several. IPv6: [ADDR]:PORT. Port 0
                        takes a free port (printed at start, and by `ctl portals`).
                        Without a port: 3260.
      --data-dir DIR    where the embedded default keeps lun0.img (default:
                        ./uiscsi-data, created if missing)
      --ctl PATH        the control socket (default: /run/uiscsi/uiscsi-target.sock as
                        root, else $XDG_RUNTIME_DIR/uiscsi-target.sock, else
                        DIR/uiscsi-target.sock with DIR the data directory)
      --threads N       I/O threads, one io_context each (default: one per core)
  -h, --help            print this help and exit
  -V, --version         print the version and exit

Control commands, sent to a running daemon over its control socket:
  ctl sessions          the sessions in Full Feature Phase
  ctl connections       every connection: its 4-tuple, data path, fallback reason and
                        byte/PDU counters
  ctl portals           the listening addresses with their real ports
  ctl offload --conn ID tcp
                        move connection ID (the ID column of ctl connections) back to
                        the plain tcp data path, at run time, losing no I/O
  ctl help              the commands this daemon offers
  --json                print the answer as JSON instead of a table
  --socket PATH         the daemon's control socket (same default as --ctl; --ctl works
                        too); --data-dir DIR changes the default as for the daemon
  Other --NAME VALUE (or --NAME=VALUE) options and operands are passed to the command.

Signals:
  SIGHUP                re-read the configuration file and apply it: sessions of targets
                        whose storage did not change stay; on an error the running
                        configuration is kept and the reason logged
  SIGTERM, SIGINT       flush every backend, ask every session to log out (Async
                        logout request), close what is left and exit 0

Exit status: 0 success, 1 configuration, start-up or control error, 2 bad command line.
)";

// "--name=value" -> ("--name", "value"); otherwise (arg, nullopt).
std::pair<std::string_view, std::optional<std::string_view>> split_inline(std::string_view arg) {
  if (!arg.starts_with("--")) return {arg, std::nullopt};
  const auto eq = arg.find('=');
  if (eq == std::string_view::npos) return {arg, std::nullopt};
  return {arg.substr(0, eq), arg.substr(eq + 1)};
}

class Parser {
 public:
  explicit Parser(std::span<const std::string_view> args) : args_(args) {}

  ParsedCommandLine run() {
    CommandLine line;
    bool check = false;
    while (i_ < args_.size()) {
      const auto [name, inline_value] = split_inline(args_[i_++]);
      inline_value_ = inline_value;
      if (name == "-h" || name == "--help") return done(line, Action::help);
      if (name == "-V" || name == "--version") return done(line, Action::version);
      if (name == "ctl" && !inline_value) return control(line);
      if (name == "-c" || name == "--config") {
        if (!value(name)) return fail();
        line.config_file = std::filesystem::path(std::string(*value_));
      } else if (name == "--check-config") {
        check = true;
      } else if (name == "--listen") {
        if (!value(name)) return fail();
        std::string error;
        auto portal = config::parse_portal(*value_, error);
        if (!portal) return fail("--listen: " + error);
        line.listen.push_back(std::move(*portal));
      } else if (name == "--data-dir") {
        if (!value(name)) return fail();
        line.data_directory = std::filesystem::path(std::string(*value_));
      } else if (name == "--ctl") {
        if (!value(name)) return fail();
        line.control_socket = std::filesystem::path(std::string(*value_));
      } else if (name == "--threads") {
        if (!value(name)) return fail();
        if (!parse_threads(*value_, line.threads)) return fail("--threads: '" + std::string(*value_) + "' is not a number from 1 to 1024");
      } else {
        return fail("unknown argument '" + std::string(args_[i_ - 1]) + "' (see --help)");
      }
    }
    return done(line, check ? Action::check_config : Action::serve);
  }

 private:
  // The value of option `name`: "--name=value" or the next argument.
  bool value(std::string_view name) {
    if (inline_value_) {
      value_ = inline_value_;
    } else if (i_ < args_.size()) {
      value_ = args_[i_++];
    } else {
      error_ = std::string(name) + " needs a value";
      return false;
    }
    if (value_->empty()) {
      error_ = std::string(name) + " needs a non-empty value";
      return false;
    }
    return true;
  }

  static bool parse_threads(std::string_view text, unsigned& out) {
    unsigned n = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || ptr != text.data() + text.size() || n == 0 || n > 1024) return false;
    out = n;
    return true;
  }

  // ctl COMMAND [--json] [--socket PATH] [--NAME [VALUE]]... [OPERAND]...
  ParsedCommandLine control(CommandLine& line) {
    if (i_ >= args_.size() || args_[i_].starts_with("-")) {
      return fail("ctl needs a command: sessions, connections, portals, offload or help");
    }
    line.request.command = std::string(args_[i_++]);
    boost::json::array operands;
    while (i_ < args_.size()) {
      const auto [name, inline_value] = split_inline(args_[i_++]);
      inline_value_ = inline_value;
      if (!name.starts_with("--")) {
        operands.emplace_back(name);
      } else if (name == "--json") {
        line.json = true;
      } else if (name == "--socket" || name == "--ctl") {
        if (!value(name)) return fail();
        line.control_socket = std::filesystem::path(std::string(*value_));
      } else if (name == "--data-dir") {
        if (!value(name)) return fail();
        line.data_directory = std::filesystem::path(std::string(*value_));
      } else if (name.size() == 2) {
        return fail("ctl: '--' is not an option name");
      } else if (inline_value || (i_ < args_.size() && !args_[i_].starts_with("--"))) {
        // --NAME VALUE: the daemon's command table says whether NAME exists.
        line.request.args[name.substr(2)] = inline_value ? *inline_value : args_[i_++];
      } else {
        line.request.args[name.substr(2)] = true;
      }
    }
    if (!operands.empty()) line.request.args["operands"] = std::move(operands);
    return done(line, Action::control);
  }

  ParsedCommandLine done(CommandLine& line, Action action) {
    line.action = action;
    return {std::move(line), {}};
  }
  ParsedCommandLine fail(std::string error) { return {std::nullopt, std::move(error)}; }
  ParsedCommandLine fail() { return fail(error_); }

  std::span<const std::string_view> args_;
  std::size_t i_ = 0;
  std::optional<std::string_view> inline_value_;
  std::optional<std::string_view> value_;
  std::string error_;
};

}  // namespace

std::filesystem::path CommandLine::socket_path() const {
  return control_socket ? *control_socket : default_socket_path(data_directory);
}

config::ConfigurationSource CommandLine::configuration_source() const {
  return {config_file, listen, data_directory};
}

ParsedCommandLine parse_command_line(std::span<const std::string_view> args) {
  return Parser(args).run();
}

std::string_view help_text() noexcept { return kHelp; }

}  // namespace uiscsi::target::control
