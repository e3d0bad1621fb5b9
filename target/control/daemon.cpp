#include "target/control/daemon.h"

#include <csignal>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <ostream>
#include <system_error>

#include "target/config/diagnostic.h"
#include "target/control/banner.h"
#include "target/control/control_server.h"
#include "target/control/dispatcher.h"
#include "target/control/offload_command.h"
#include "target/control/status_commands.h"
#include "target/iscsi/server.h"

namespace uiscsi::target::control {
namespace {
namespace asio = boost::asio;

class Daemon {
 public:
  Daemon(const CommandLine& command_line, std::string_view version, std::ostream& out,
         std::ostream& log)
      : command_line_(command_line),
        source_(command_line.configuration_source()),
        version_(version),
        out_(out),
        log_(log),
        // Installed before the server starts its threads, so a signal that arrives while
        // starting is queued rather than killing the process.
        signals_(io_, SIGHUP, SIGTERM, SIGINT),
        server_(server_options(command_line)) {}

  int run() {
    auto loaded = source_.load();
    report(loaded.diagnostics);
    if (!loaded.config) {
      log_ << "uiscsi-target: " << source_.name() << " cannot be served\n";
      return kExitFailure;
    }
    if (!source_.file && !prepare_data_directory()) return kExitFailure;
    const auto created = files_to_create(*loaded.config);

    add_status_commands(dispatcher_, status_source(server_));
    add_offload_command(dispatcher_, [this](std::uint64_t id, std::string_view reason) {
      return server_.switch_to_tcp(id, reason);
    });
    std::string error;
    control_ = open_control_server(io_, command_line_.socket_path(), dispatcher_, error);
    if (!control_) {
      log_ << "uiscsi-target: control socket: " << error << '\n';
      return kExitFailure;
    }
    const iscsit::Config config = *loaded.config;
    if (const auto ec = server_.start(std::move(*loaded.config), error)) {
      log_ << "uiscsi-target: cannot start: " << (error.empty() ? ec.message() : error) << '\n';
      return kExitFailure;
    }
    out_ << banner(config, {version_, server_.listening(), created, control_->path()}) << std::flush;

    wait_for_signal();
    io_.run();
    return kExitOk;
  }

 private:
  static iscsit::ServerOptions server_options(const CommandLine& command_line) {
    iscsit::ServerOptions options;
    options.threads = command_line.threads;
    return options;
  }

  void wait_for_signal() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) return;  // cancelled at shutdown
      if (signal == SIGHUP) {
        reload();
        wait_for_signal();
        return;
      }
      log_ << "uiscsi-target: " << (signal == SIGINT ? "SIGINT" : "SIGTERM")
           << ": logging every session out and stopping\n" << std::flush;
      control_->close();
      server_.shutdown();
      log_ << "uiscsi-target: stopped\n" << std::flush;
    });
  }

  void reload() {
    if (!source_.file) {
      log_ << "uiscsi-target: SIGHUP: serving the embedded default, nothing to reload\n" << std::flush;
      return;
    }
    log_ << "uiscsi-target: SIGHUP: reloading " << source_.name() << '\n';
    auto loaded = source_.load();
    report(loaded.diagnostics);
    if (!loaded.config) {
      log_ << "uiscsi-target: reload failed; the running configuration stays\n" << std::flush;
      return;
    }
    const std::string totals = config::summary(*loaded.config);
    const iscsit::ApplyReport applied = server_.apply(std::move(*loaded.config));
    for (const auto& name : applied.targets_added) log_ << "uiscsi-target: target added: " << name << '\n';
    for (const auto& name : applied.targets_removed) log_ << "uiscsi-target: target removed: " << name << '\n';
    for (const auto& name : applied.targets_changed) log_ << "uiscsi-target: target changed: " << name << '\n';
    for (const auto& problem : applied.errors) log_ << "uiscsi-target: reload: " << problem << '\n';
    log_ << "uiscsi-target: reloaded" << (applied.errors.empty() ? "" : " with errors") << ": "
         << totals << '\n' << std::flush;
  }

  void report(const std::vector<config::Diagnostic>& diagnostics) {
    for (const auto& d : diagnostics) log_ << config::format(d, source_.name()) << '\n';
    log_ << std::flush;
  }

  bool prepare_data_directory() {
    std::error_code ec;
    std::filesystem::create_directories(source_.data_directory, ec);
    if (ec) {
      log_ << "uiscsi-target: cannot create the data directory " << source_.data_directory.string()
           << ": " << ec.message() << '\n';
      return false;
    }
    return true;
  }

  static std::vector<std::filesystem::path> files_to_create(const iscsit::Config& config) {
    std::vector<std::filesystem::path> files;
    for (const auto& target : config.targets) {
      for (const auto& lun : target.luns) {
        std::error_code ec;
        if (lun.backend.kind == BackendKind::file && !std::filesystem::exists(lun.backend.path, ec)) {
          files.push_back(lun.backend.path);
        }
      }
    }
    return files;
  }

  const CommandLine& command_line_;
  const config::ConfigurationSource source_;
  std::string_view version_;
  std::ostream& out_;
  std::ostream& log_;
  asio::io_context io_;
  asio::signal_set signals_;
  Dispatcher dispatcher_;
  iscsit::Server server_;
  std::unique_ptr<ControlServer> control_;
};

}  // namespace

int run_daemon(const CommandLine& command_line, std::string_view version, std::ostream& out,
               std::ostream& log) {
  Daemon daemon(command_line, version, out, log);
  return daemon.run();
}

}  // namespace uiscsi::target::control
