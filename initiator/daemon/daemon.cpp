#include "initiator/daemon/daemon.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <csignal>
#include <optional>
#include <ostream>

#include "initiator/daemon/control_server.h"
#include "initiator/daemon/initiator_name.h"
#include "initiator/daemon/initiatord.h"
#include "initiator/nbd/server.h"

namespace uiscsi::initiator::daemon {
namespace asio = boost::asio;

std::string_view uiscsid_help() noexcept {
  return R"HELP(Usage: uiscsid [OPTIONS]

The uiscsi initiator daemon: holds iSCSI sessions and the node database, and answers
uiscsiadm on a control socket. It runs in the foreground; logs go to standard error.

Options:
  --socket PATH          control socket (default /run/uiscsi/uiscsid.sock); per-LUN
                         sockets go into its directory
  --db DIR               node database, in open-iscsi's layout (default /var/lib/uiscsi):
                         DIR/nodes/<iqn>/<ip>,<port>,<tpgt>/default,
                         DIR/send_targets/<ip>,<port>/st_config, DIR/initiatorname.iscsi
  --initiator-name IQN   our iSCSI name (default: DIR/initiatorname.iscsi, created with a
                         new unique name on the first start)
  --threads N            I/O threads, one io_context each (default: one per core)
  --kernel-nbd auto|off  auto (default): a login also attaches each LUN's NBD export as
                         /dev/nbdN through the kernel's nbd netlink interface, as
                         nbd-client does, and detaches it before the logout; needs the nbd
                         module and CAP_SYS_ADMIN, and where either is missing the login
                         says why and only the NBD socket is there. off: never attach.
  --nbd-listen ADDR      also export each LUN over TCP on ADDR (an IPv4 or IPv6 address;
                         0.0.0.0 or :: for every interface), on a free port per LUN; the
                         login and -m session -P 3 print its URI (nbd://ADDR:PORT/).
                         In addition to the Unix socket, not instead of it: /dev/nbdN and
                         local clients keep the socket, whose file permissions guard it,
                         while TCP is for clients on other hosts (NBD has no access
                         control of its own: bind to a trusted network, or use TLS)
  --nbd-tls-certificate FILE, --nbd-tls-key FILE
                         with --nbd-listen: the TCP exports require TLS
                         (NBD_OPT_STARTTLS) with this PEM certificate chain and private
                         key, and their URIs are nbds://; the Unix sockets stay plain
  -h, --help             this text
  -V, --version          the version

On start, every node with node.startup = automatic is logged in.
Signals: SIGTERM, SIGINT log every session out and exit 0.
Exit status: 0 after a signal, 1 when it cannot start, 2 for a bad command line.
)HELP";
}

namespace {

struct Options {
  std::filesystem::path socket{"/run/uiscsi/uiscsid.sock"};
  std::filesystem::path db{"/var/lib/uiscsi"};
  std::string initiator_name;
  unsigned threads = 0;
  KernelNbd kernel_nbd = KernelNbd::automatic;
  std::string nbd_listen;
  std::string nbd_tls_certificate, nbd_tls_key;
};

asio::awaitable<void> serve(Initiatord& daemon, asio::signal_set& signals, std::unique_ptr<ControlServer>& server,
                            std::ostream& err, bool& stopped) {
  co_await daemon.restore_automatic();
  co_await signals.async_wait(asio::use_awaitable);
  err << "uiscsid: stopping: logging out every session\n";
  server->close();
  co_await daemon.shutdown();
  stopped = true;
}

}  // namespace

int run_uiscsid(std::span<const std::string_view> args, std::string_view version, std::ostream& out,
                std::ostream& err) {
  Options options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    const auto value = [&]() -> std::optional<std::string_view> {
      if (i + 1 >= args.size()) return std::nullopt;
      return args[++i];
    };
    if (arg == "-h" || arg == "--help") {
      out << uiscsid_help();
      return 0;
    }
    if (arg == "-V" || arg == "--version") {
      out << "uiscsid " << version << '\n';
      return 0;
    }
    std::optional<std::string_view> v;
    if (arg == "--socket" && (v = value())) options.socket = *v;
    else if (arg == "--db" && (v = value())) options.db = *v;
    else if (arg == "--initiator-name" && (v = value())) options.initiator_name = *v;
    else if (arg == "--threads" && (v = value())) {
      const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), options.threads);
      if (ec != std::errc() || end != v->data() + v->size() || options.threads > 1024) {
        err << "uiscsid: --threads takes a number from 0 to 1024\n";
        return 2;
      }
    } else if (arg == "--kernel-nbd" && (v = value())) {
      if (*v == "auto") options.kernel_nbd = KernelNbd::automatic;
      else if (*v == "off") options.kernel_nbd = KernelNbd::off;
      else {
        err << "uiscsid: --kernel-nbd takes auto or off, not \"" << *v << "\"\n";
        return 2;
      }
    } else if (arg == "--nbd-listen" && (v = value())) {
      boost::system::error_code ec;
      asio::ip::make_address(*v, ec);
      if (ec) {
        err << "uiscsid: --nbd-listen takes an IP address (such as 127.0.0.1, 0.0.0.0 or ::1), not \"" << *v
            << "\"\n";
        return 2;
      }
      options.nbd_listen = *v;
    } else if (arg == "--nbd-tls-certificate" && (v = value())) {
      options.nbd_tls_certificate = *v;
    } else if (arg == "--nbd-tls-key" && (v = value())) {
      options.nbd_tls_key = *v;
    } else {
      err << "uiscsid: unknown option or missing value: " << arg << "\nTry 'uiscsid --help'.\n";
      return 2;
    }
  }
  if (options.nbd_tls_certificate.empty() != options.nbd_tls_key.empty()) {
    err << "uiscsid: --nbd-tls-certificate and --nbd-tls-key go together\n";
    return 2;
  }
  if (!options.nbd_tls_certificate.empty() && options.nbd_listen.empty()) {
    err << "uiscsid: --nbd-tls-certificate needs --nbd-listen (TLS is for the TCP exports)\n";
    return 2;
  }
  std::string error;
  asio::io_context control;
  if (!options.nbd_tls_certificate.empty()) {
    // Load the pair once now, so that a missing or mismatched file stops the start instead
    // of every later login.
    nbd::Server probe(control);
    if (probe.use_tls(options.nbd_tls_certificate, options.nbd_tls_key, error)) {
      err << "uiscsid: NBD TLS: " << error << '\n';
      return 1;
    }
  }
  if (options.initiator_name.empty()) {
    auto name = load_or_create_initiator_name(options.db, error);
    if (!name) {
      err << "uiscsid: " << error << '\n';
      return 1;
    }
    options.initiator_name = *name;
  }

  DaemonOptions daemon_options{options.db,
                               options.socket.parent_path(),
                               options.initiator_name,
                               options.threads,
                               options.kernel_nbd,
                               options.nbd_listen,
                               options.nbd_tls_certificate,
                               options.nbd_tls_key};
  Initiatord daemon(control, daemon_options, err);
  Handler handler = [&daemon](Request request) { return daemon.handle(std::move(request)); };
  auto server = open_control_server(control, options.socket, handler, error);
  if (!server) {
    err << "uiscsid: " << error << '\n';
    return 1;
  }
  asio::signal_set signals(control, SIGTERM, SIGINT);
  err << "uiscsid " << version << ": initiator " << options.initiator_name << ", database " << options.db.string()
      << ", control socket " << options.socket.string() << '\n';
  bool stopped = false;
  asio::co_spawn(control, serve(daemon, signals, server, err, stopped), asio::detached);
  control.run();
  return stopped ? 0 : 1;
}

}  // namespace uiscsi::initiator::daemon
