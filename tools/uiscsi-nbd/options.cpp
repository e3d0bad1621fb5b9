// The command line of uiscsi-nbd (options.h).
#include "options.h"

#include <charconv>

namespace uiscsi::tools::nbd {

namespace {

template <typename T>
bool number(std::string_view text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::string help_text() {
  return R"(Usage: uiscsi-nbd [OPTIONS] iscsi://[USER[%PASSWORD]@]HOST[:PORT]/TARGET-IQN/LUN[?ARG[&ARG]*]

Logs in to the iSCSI target, opens the LUN and serves it over NBD until SIGINT/SIGTERM,
like `qemu-nbd iscsi://...`. The first line printed is the NBD URI of the export (with -c, the
device follows on the second line). Standard error names the data path the iSCSI connection
really uses, and why when it is not the one --path asked for.

URL arguments (libiscsi's syntax): target_user=NAME, target_password=SECRET (mutual CHAP),
header_digest=crc32c|none|crc32c-none|none-crc32c, data_digest=(the same values).
LIBISCSI_CHAP_USERNAME, LIBISCSI_CHAP_PASSWORD, LIBISCSI_CHAP_TARGET_USERNAME and
LIBISCSI_CHAP_TARGET_PASSWORD fill in what the URL leaves out.

Options:
  -k, --socket PATH         serve on a Unix socket (the default, at
                            $TMPDIR/uiscsi-nbd-PID.sock)
  -p, --port PORT           serve on TCP PORT instead (0: a free port)
  -b, --bind ADDR           the TCP address to listen on (default 127.0.0.1; implies TCP)
  -x, --export-name NAME    the export's name (default "", the default export)
  -c, --connect /dev/nbdN   also attach the kernel's NBD client to the export as that
                            device (nbd netlink; needs root and the nbd module); it is
                            detached on SIGINT/SIGTERM. Implies a Unix socket.
  -r, --read-only           refuse writes
  -i, --initiator-name IQN  our iSCSI name (default iqn.2024-01.org.uiscsi:uiscsi-nbd)
      --replacement-timeout SECONDS
                            how long I/O is held while the target is unreachable before
                            it fails with EIO (default 120, as open-iscsi)
      --handshake-timeout SECONDS
                            drop an NBD client that has not finished the handshake
                            this long after connecting (default 10, as qemu-nbd's
                            --handshake-limit; 0: no limit)
      --path tcp|placement|smc|iser|auto
                            the iSCSI connection's data path (default tcp; see
                            ARCHITECTURE: placement lands Data-In in the reply buffers)
      --connections N       offer MaxConnections=N: open up to N connections in the
                            session (MC/S) if the target allows it (default 1; tgt
                            and LIO allow 1, uiscsi-target 4)
      --chap-algorithms LIST
                            CHAP_A values offered, first preferred: md5, sha1, sha256,
                            sha3-256 (default sha256,sha1,md5; tgt wants md5)
      --tls-certificate FILE, --tls-key FILE
                            require TLS (NBD_OPT_STARTTLS) with this PEM certificate
                            chain and private key; the URI printed is then nbds://
  -h, --help                this text
)";
}

Parsed parse_options(const std::vector<std::string_view>& args,
                     std::optional<std::string> (*environment)(const char* name)) {
  Options o;
  std::optional<std::string_view> url;
  bool tcp = false;
  bool unix_socket = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    auto value = [&](std::string_view& v) {
      if (i + 1 >= args.size()) return false;
      v = args[++i];
      return true;
    };
    std::string_view v;
    if (a == "-h" || a == "--help") {
      o.help = true;
      return {o, {}};
    } else if (a == "-k" || a == "--socket") {
      if (!value(v) || v.empty()) return {std::nullopt, "-k needs a socket path"};
      o.socket = std::string(v);
      unix_socket = true;
    } else if (a == "-p" || a == "--port") {
      std::uint16_t port = 0;
      if (!value(v) || !number(v, port)) return {std::nullopt, "-p needs a TCP port (0 to 65535)"};
      o.port = port;
      tcp = true;
    } else if (a == "-b" || a == "--bind") {
      if (!value(v) || v.empty()) return {std::nullopt, "-b needs an address"};
      o.bind = std::string(v);
      tcp = true;
    } else if (a == "-x" || a == "--export-name") {
      if (!value(v)) return {std::nullopt, "-x needs a name"};
      o.export_name = std::string(v);
    } else if (a == "-c" || a == "--connect") {
      constexpr std::string_view prefix = "/dev/nbd";
      int n = 0;
      if (!value(v) || v.substr(0, prefix.size()) != prefix || !number(v.substr(prefix.size()), n))
        return {std::nullopt, "-c needs a device /dev/nbdN"};
      o.kernel_device = n;
      unix_socket = true;
    } else if (a == "-r" || a == "--read-only") {
      o.read_only = true;
    } else if (a == "-i" || a == "--initiator-name") {
      if (!value(v) || v.empty()) return {std::nullopt, "-i needs an iSCSI name"};
      o.initiator_name = std::string(v);
    } else if (a == "--tls-certificate" || a == "--tls-key") {
      if (!value(v) || v.empty()) return {std::nullopt, std::string(a) + " needs a file"};
      (a == "--tls-key" ? o.tls_key : o.tls_certificate) = std::string(v);
    } else if (a == "--replacement-timeout") {
      unsigned seconds = 0;
      if (!value(v) || !number(v, seconds)) return {std::nullopt, "--replacement-timeout needs seconds"};
      o.replacement_timeout = std::chrono::seconds(seconds);
    } else if (a == "--handshake-timeout") {
      unsigned seconds = 0;
      if (!value(v) || !number(v, seconds)) return {std::nullopt, "--handshake-timeout needs seconds"};
      o.handshake_timeout = std::chrono::seconds(seconds);
    } else if (a == "--path") {
      std::optional<offload::Policy> p;
      if (!value(v) || !(p = offload::policy_from_name(v)))
        return {std::nullopt, "--path needs tcp, placement, smc, iser or auto"};
      o.path = *p;
    } else if (a == "--connections") {
      std::uint32_t n = 0;
      if (!value(v) || !number(v, n) || n < 1 || n > 65535) return {std::nullopt, "--connections needs 1 to 65535"};
      o.connections = n;
    } else if (a == "--chap-algorithms") {
      if (!value(v)) return {std::nullopt, "--chap-algorithms needs a list"};
      while (!v.empty()) {
        const auto comma = v.find(',');
        const std::string_view name = v.substr(0, comma);
        v = comma == std::string_view::npos ? std::string_view{} : v.substr(comma + 1);
        if (name == "md5") o.chap_algorithms.push_back(iscsi::ChapAlgorithm::md5);
        else if (name == "sha1") o.chap_algorithms.push_back(iscsi::ChapAlgorithm::sha1);
        else if (name == "sha256") o.chap_algorithms.push_back(iscsi::ChapAlgorithm::sha256);
        else if (name == "sha3-256") o.chap_algorithms.push_back(iscsi::ChapAlgorithm::sha3_256);
        else return {std::nullopt, "unknown CHAP algorithm \"" + std::string(name) + "\""};
      }
    } else if (!a.empty() && a[0] == '-') {
      return {std::nullopt, "unknown option " + std::string(a) + " (see --help)"};
    } else if (url) {
      return {std::nullopt, "more than one URL given"};
    } else {
      url = a;
    }
  }
  if (!url) return {std::nullopt, "no iscsi:// URL given (see --help)"};
  if (tcp && unix_socket) return {std::nullopt, "-k/-c and -p/-b exclude each other"};
  if (o.tls_certificate.empty() != o.tls_key.empty())
    return {std::nullopt, "--tls-certificate and --tls-key go together"};
  std::string why;
  auto parsed = initiator::nbd::parse_iscsi_url(*url, why);
  if (!parsed) return {std::nullopt, why};
  o.url = std::move(*parsed);
  auto fill = [&](std::string& field, const char* variable) {
    if (field.empty())
      if (auto e = environment(variable)) field = *e;
  };
  fill(o.url.user, "LIBISCSI_CHAP_USERNAME");
  fill(o.url.password, "LIBISCSI_CHAP_PASSWORD");
  fill(o.url.target_user, "LIBISCSI_CHAP_TARGET_USERNAME");
  fill(o.url.target_password, "LIBISCSI_CHAP_TARGET_PASSWORD");
  if (tcp && !o.port) o.port = 10809;  // NBD's IANA port, as qemu-nbd
  return {std::move(o), {}};
}

}  // namespace uiscsi::tools::nbd
