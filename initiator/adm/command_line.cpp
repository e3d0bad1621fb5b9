#include "initiator/adm/command_line.h"

#include <getopt.h>

#include <algorithm>
#include <charconv>
#include <mutex>

#include "initiator/portal.h"

namespace uiscsi::initiator::adm {
namespace {

// getopt keeps global state; uiscsiadm parses once, tests may parse many times.
std::mutex getopt_mutex;

constexpr option kLongOptions[] = {
    {"mode", required_argument, nullptr, 'm'},    {"portal", required_argument, nullptr, 'p'},
    {"targetname", required_argument, nullptr, 'T'}, {"interface", required_argument, nullptr, 'I'},
    {"op", required_argument, nullptr, 'o'},      {"type", required_argument, nullptr, 't'},
    {"name", required_argument, nullptr, 'n'},    {"value", required_argument, nullptr, 'v'},
    {"sid", required_argument, nullptr, 'r'},     {"print", required_argument, nullptr, 'P'},
    {"login", no_argument, nullptr, 'l'},         {"loginall", required_argument, nullptr, 'L'},
    {"logout", no_argument, nullptr, 'u'},        {"logoutall", required_argument, nullptr, 'U'},
    {"stats", no_argument, nullptr, 's'},         {"show", no_argument, nullptr, 'S'},
    {"discover", no_argument, nullptr, 'D'},      {"debug", required_argument, nullptr, 'd'},
    {"socket", required_argument, nullptr, 'k'},  {"version", no_argument, nullptr, 'V'},
    {"help", no_argument, nullptr, 'h'},          {nullptr, 0, nullptr, 0},
};
constexpr const char* kShortOptions = "+lVhDSsum:p:P:T:I:U:L:d:r:n:v:o:t:";

template <typename T>
std::optional<T> number(std::string_view text) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Whether "-p" named a port: node commands then match it, else any port of the address.
bool portal_has_port(std::string_view text) {
  text = text.substr(0, text.find(','));
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    return close != std::string_view::npos && close + 1 < text.size() && text[close + 1] == ':';
  }
  return std::count(text.begin(), text.end(), ':') == 1;
}

}  // namespace

ParsedCommandLine parse_command_line(std::span<char*> args) {
  std::lock_guard lock(getopt_mutex);
  CommandLine c;
  const auto fail = [](std::string why) { return ParsedCommandLine{std::nullopt, std::move(why)}; };
  optind = 0;  // full reset (glibc)
  opterr = 0;
  const int argc = static_cast<int>(args.size());
  for (;;) {
    const int option = getopt_long(argc, args.data(), kShortOptions, kLongOptions, nullptr);
    if (option == -1) break;
    const std::string_view arg = optarg ? optarg : "";
    switch (option) {
      case 'm':
        if (arg == "discovery") c.mode = Mode::discovery;
        else if (arg == "discoverydb") c.mode = Mode::discoverydb;
        else if (arg == "node") c.mode = Mode::node;
        else if (arg == "session") c.mode = Mode::session;
        else return fail("Invalid mode '" + std::string(arg) + "' (discovery, discoverydb, node or session)");
        break;
      case 'p': {
        // iscsiadm also accepts IP:PORT,TPGT; the tag is not needed to find a node.
        const auto parsed = parse_target_address(arg);
        if (!parsed) return fail("Invalid portal '" + std::string(arg) + "' (IP[:PORT])");
        c.address = parsed->portal.host;
        if (portal_has_port(arg)) c.port = parsed->portal.port;
        break;
      }
      case 'T': c.target = std::string(arg); break;
      case 'I':
        if (arg != "default") return fail("Could not find iface " + std::string(arg) + " (only \"default\" exists)");
        break;
      case 'o':
        if (arg == "new") c.op = Op::create;
        else if (arg == "delete") c.op = Op::remove;
        else if (arg == "update") c.op = Op::update;
        else if (arg == "show") c.op = Op::show;
        else return fail("Invalid op '" + std::string(arg) + "' (new, delete, update or show)");
        break;
      case 't':
        if (arg != "st" && arg != "sendtargets") {
          return fail("Unsupported discovery type '" + std::string(arg) + "' (st or sendtargets)");
        }
        c.type = "sendtargets";
        break;
      case 'n': c.name = std::string(arg); break;
      case 'v': c.value = std::string(arg); break;
      case 'r': {
        const auto sid = number<int>(arg);
        if (!sid || *sid <= 0) return fail("invalid session id '" + std::string(arg) + "'");
        c.sid = *sid;
        break;
      }
      case 'P': {
        const auto level = number<int>(arg);
        if (!level || *level < 0 || *level > 3) return fail("Invalid info level '" + std::string(arg) + "' (0 to 3)");
        c.print_level = *level;
        break;
      }
      case 'l': c.login = true; break;
      case 'u': c.logout = true; break;
      case 'D': c.discover = true; break;
      case 's': c.stats = true; break;
      case 'S': c.show_secrets = true; break;
      case 'L':
      case 'U':
        if (arg != "all" && arg != "manual" && arg != "automatic") {
          return fail(std::string(option == 'L' ? "Invalid loginall option " : "Invalid logoutall option ") +
                      std::string(arg) + ". (all, manual or automatic)");
        }
        (option == 'L' ? c.login_all : c.logout_all) = std::string(arg);
        break;
      case 'd': break;  // debug level: accepted for compatibility, nothing more to say
      case 'k': c.socket = std::string(arg); break;
      case 'V': c.version = true; break;
      case 'h': c.help = true; break;
      default: {
        const std::string bad = optopt ? std::string("-") + static_cast<char>(optopt)
                                       : std::string(args[static_cast<std::size_t>(optind - 1)]);
        return fail("unrecognized option or missing argument: " + bad);
      }
    }
  }
  if (optind < argc) return fail(std::string("unexpected argument '") + args[static_cast<std::size_t>(optind)] + "'");
  if (c.help || c.version) return {std::move(c), {}};
  if (c.mode == Mode::none) return fail("You must specify a mode (-m discovery, discoverydb, node or session)");
  if ((c.op == Op::update) && (!c.name || !c.value)) return fail("-o update needs -n NAME and -v VALUE");
  return {std::move(c), {}};
}

std::string_view help_text() noexcept {
  return R"HELP(Usage: uiscsiadm -m MODE [OPTIONS]

The uiscsi initiator's administration tool, with iscsiadm's syntax, output and exit codes.
It asks uiscsid (which must be running) over its control socket.

uiscsiadm -m discovery [-t st|sendtargets -p IP[:PORT] [-l]]
    SendTargets discovery at the portal (port 3260 by default): prints "IP:PORT,TPGT IQN"
    per portal found and records the nodes (existing records keep their settings; nodes
    this portal no longer reports are deleted). Without -t/-p: list discovery records.
    With -l, also log in to every node found.
uiscsiadm -m discoverydb -t st -p IP[:PORT] [-o new|delete|update|show [-n NAME -v VALUE]] [-D|--discover] [-l]
    The discovery record (send_targets/IP,PORT/st_config): its CHAP settings are
    discovery.sendtargets.auth.{authmethod,username,password,username_in,password_in,chap_algs};
    "-o update" creates the record first if needed; "-o delete" also deletes the nodes
    found through it. --discover runs discovery with it.
uiscsiadm -m node [-P 0|1] [-T IQN] [-p IP[:PORT]]
    List node records ("IP:PORT,TPGT IQN"); -T and -p select nodes in every node command.
uiscsiadm -m node [-T IQN -p IP[:PORT]] -l|--login | -u|--logout
    Log in to / out of the selected nodes (all of them without -T/-p). A login prints
    each LUN of the session with its NBD export URI (nbd+unix:///?socket=..., a socket
    in the directory of uiscsid's control socket), or why it is not exported, and then
    "LUN N: Attached NBD disk /dev/nbdX on URI" (uiscsid --kernel-nbd auto, where the
    kernel has nbd) or "LUN N: No NBD disk attached: REASON". With uiscsid --nbd-listen
    ADDR, also "LUN N: NBD TCP export nbd://ADDR:PORT/" (nbds:// with TLS).
uiscsiadm -m node [-T IQN -p IP[:PORT]] -o new|delete|update|show [-n NAME -v VALUE] [-S]
    new: add a static node (needs -T and -p); delete; update a key of the selected
    records (all of them are checked before any is written); show the records (passwords
    as ******** unless -S).
uiscsiadm -m node --loginall=all|automatic|manual | --logoutall=all|automatic|manual
    Log in to / out of every node whose node.startup matches.
uiscsiadm -m session [-P 0..3] [-r SID] [-s|--stats] [-u]
    List sessions ("tcp: [SID] IP:PORT,TPGT IQN (non-flash)"); -P 1 adds the interface and
    state, -P 2 the timeouts, CHAP user names and negotiated parameters, -P 3 the data path
    (requested, in use, fallback reason, 4-tuple, counters) and the LUNs with their exports
    and disks ("Attached NBD disk nbdX  State: running", as iscsiadm's scsi disks;
    "NBD TCP export URI  State: running" with uiscsid --nbd-listen).
    --stats prints the counters; -u logs the selected sessions out.

Node settings honoured at login (iscsiadm -m node -o update -n NAME -v VALUE):
  node.startup = manual|automatic (automatic nodes are logged in when uiscsid starts)
  node.session.auth.authmethod = None|CHAP, node.session.auth.username / password,
  node.session.auth.username_in / password_in (mutual CHAP),
  node.session.auth.chap_algs = MD5,SHA1,SHA256,SHA3-256 (offered in this order)
  node.conn[0].iscsi.HeaderDigest / DataDigest = None|CRC32C|CRC32C,None|None,CRC32C
  node.session.timeo.replacement_timeout (s), node.conn[0].timeo.login_timeout (s),
  node.conn[0].timeo.noop_out_interval / noop_out_timeout (s),
  node.session.err_timeo.abort_timeout (s), iface.initiatorname,
  node.conn[0].offload = auto|tcp|placement|smc|iser (uiscsi: the data path)

Options:
  -m, --mode MODE         discovery, discoverydb, node or session
  -t, --type TYPE         st or sendtargets
  -p, --portal IP[:PORT]  a portal ([V6]:PORT for IPv6)
  -T, --targetname IQN    a target
  -I, --interface default the only interface
  -o, --op OP             new, delete, update or show
  -n, --name NAME         a record key, for -o update
  -v, --value VALUE       its new value
  -l, --login             log in
  -u, --logout            log out
  -L, --loginall WHICH    all, automatic or manual
  -U, --logoutall WHICH   all, automatic or manual
  -D, --discover          run discovery (discoverydb mode)
  -r, --sid SID           one session
  -P, --print LEVEL       detail level
  -s, --stats             session statistics
  -S, --show              show secrets in -o show
  -d, --debug LEVEL       accepted and ignored
      --socket PATH       uiscsid's control socket (default /run/uiscsi/uiscsid.sock)
  -h, --help              this text
  -V, --version           the version

Exit status (open-iscsi's codes): 0 success, 1 error, 2 session not found, 4 connection
failure, 5 login failure, 6 database failure, 7 invalid parameter, 8 connection timed
out, 10 logout failure, 15 session exists, 18 daemon communication failure, 19
non-retryable login failure (e.g. no such target), 20 cannot connect to uiscsid, 21 no
records/targets/sessions found, 24 login failed due to authorization failure.
)HELP";
}

}  // namespace uiscsi::initiator::adm
