#include "bench/target_daemons.h"

#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <thread>

#include "bench/scratch.h"

namespace uiscsi::bench {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Polls `ready` every 50 ms for up to 10 s while `process` lives.
template <class Ready>
bool wait_until(ChildProcess& process, Ready&& ready) {
  for (int i = 0; i < 200; ++i) {
    if (!process.running()) return false;
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace

std::optional<IscsiUrl> TargetDaemon::url(offload::Path path) const {
  const auto it = ports.find(path);
  if (it == ports.end()) return std::nullopt;
  IscsiUrl u;
  u.host = "127.0.0.1";
  u.port = it->second;
  u.target_name = target_name;
  u.lun = lun;
  return u;
}

std::optional<TargetDaemon> start_uiscsi_target(const std::string& binary, const std::string& dir,
                                                std::uint64_t lun_bytes, std::string& error) {
  const std::string image = dir + "/uiscsi-lun0.img";
  if (!make_lun_image(image, lun_bytes, error)) return std::nullopt;
  const std::string config = dir + "/uiscsi-target.toml";
  const std::string ctl = dir + "/uiscsi-target.sock";
  const std::string log = dir + "/uiscsi-target.log";
  const std::string iqn = "iqn.2026-11.org.uiscsi:bench";
  // Two portals, tcp and placement, on free ports we pick (the daemon refuses port 0
  // twice: it cannot tell the two apart before binding). Limits stay at the daemon's
  // defaults, which accept CRC32C digests when the initiator insists.
  const std::uint16_t tcp_port = free_loopback_port();
  std::uint16_t placement_port = free_loopback_port();
  while (placement_port == tcp_port) placement_port = free_loopback_port();
  {
    std::ofstream out(config);
    out << "[[target]]\nname = \"" << iqn << "\"\n"
        << "[[target.portal_group]]\ntag = 1\nportals = [\n"
        << "  { address = \"127.0.0.1\", port = " << tcp_port << ", offload = \"tcp\" },\n"
        << "  { address = \"127.0.0.1\", port = " << placement_port << ", offload = \"placement\" },\n]\n"
        << "[[target.lun]]\nnumber = 0\nbackend = \"file\"\npath = \"" << image << "\"\nsize = " << lun_bytes
        << "\nblock_size = 512\n";
    if (!out) {
      error = "cannot write " + config;
      return std::nullopt;
    }
  }
  auto process = ChildProcess::start({binary, "-c", config, "--ctl", ctl}, ChildProcess::Output::to_file, log, error);
  if (!process) return std::nullopt;
  std::string listing;
  const bool up = wait_until(*process, [&] {
    listing.clear();
    return run_to_completion({binary, "ctl", "portals", "--socket", ctl}, listing) == 0;
  });
  if (!up) {
    error = "uiscsi-target did not start:\n" + read_text(log);
    return std::nullopt;
  }
  TargetDaemon daemon("uiscsi-target", std::move(*process), log);
  daemon.target_name = iqn;
  daemon.lun = 0;
  daemon.ports[offload::Path::tcp] = tcp_port;
  daemon.ports[offload::Path::placement] = placement_port;
  return daemon;
}

int tgtd_control_index(std::uint16_t port) {
  // tgtd takes -C 0..32767 for its socket /var/run/tgtd/socket.N.
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const int n = 1 + (port + attempt * 7919) % 32767;
    struct stat st {};
    if (::stat(("/var/run/tgtd/socket." + std::to_string(n)).c_str(), &st) != 0) return n;
  }
  return 1 + port % 32767;
}

std::optional<TargetDaemon> start_tgtd(const std::string& dir, std::uint64_t lun_bytes, std::string& error) {
  if (!find_program("tgtd") || !find_program("tgtadm")) {
    error = "tgtd/tgtadm not installed (package tgt)";
    return std::nullopt;
  }
  const std::string image = dir + "/tgtd-lun1.img";
  if (!make_lun_image(image, lun_bytes, error)) return std::nullopt;
  const std::string log = dir + "/tgtd.log";
  const std::uint16_t port = free_loopback_port();
  const std::string control = std::to_string(tgtd_control_index(port));
  const std::string iqn = "iqn.2026-11.org.uiscsi:bench-tgtd";
  auto process = ChildProcess::start({"tgtd", "-f", "-C", control, "--iscsi", "portal=127.0.0.1:" + std::to_string(port)},
                                     ChildProcess::Output::to_file, log, error);
  if (!process) return std::nullopt;
  auto tgtadm = [&](std::vector<std::string> args, std::string& output) {
    std::vector<std::string> argv = {"tgtadm", "-C", control, "--lld", "iscsi"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_to_completion(argv, output) == 0;
  };
  std::string output;
  if (!wait_until(*process, [&] { return tgtadm({"--op", "show", "--mode", "target"}, output); })) {
    error = "tgtd did not start:\n" + read_text(log);
    return std::nullopt;
  }
  const std::vector<std::vector<std::string>> steps = {
      {"--op", "new", "--mode", "target", "--tid", "1", "-T", iqn},
      {"--op", "new", "--mode", "logicalunit", "--tid", "1", "--lun", "1", "-b", image},
      {"--op", "bind", "--mode", "target", "--tid", "1", "-I", "ALL"},
  };
  for (const auto& step : steps) {
    output.clear();
    if (!tgtadm(step, output)) {
      error = "tgtadm " + step[1] + " " + step[3] + " failed: " + output;
      return std::nullopt;
    }
  }
  TargetDaemon daemon("tgtd", std::move(*process), log);
  daemon.target_name = iqn;
  daemon.lun = 1;
  daemon.ports[offload::Path::tcp] = port;
  return daemon;
}

}  // namespace uiscsi::bench
