#include "bench/compare_command.h"

#include <charconv>
#include <cmath>
#include <fstream>

#include "bench/compare_report.h"
#include "bench/compare_run.h"
#include "bench/io_config.h"

namespace uiscsi::bench {
namespace {

constexpr std::string_view kUsage =
    "usage: uiscsi-bench compare [--quick] [--json FILE] [--plot FILE.svg|FILE.png] [OPTIONS]\n\n"
    "Starts every subject on 127.0.0.1 with free ports and a temporary directory (in\n"
    "/dev/shm when it exists): uiscsi-target and tgtd on tmpfs LUN images of the same size,\n"
    "uiscsi-nbd and qemu-nbd exporting the uiscsi-target LUN. Then runs rounds; in each\n"
    "round every workload (256 KiB sequential read and write at QD16, 4 KiB random read and\n"
    "write at QD32) on every subject, one after the other, plus one raw loopback TCP\n"
    "stream. Reports medians, ratios of each subject to its peer and to raw TCP, CPU\n"
    "seconds per GB of the client and each daemon, and issue 7's goals. Subjects whose\n"
    "peer tool is missing (tgt, libiscsi-bin, qemu-utils, fio) are skipped with the reason.\n"
    "Progress goes to standard error, the table to standard output.\n\n"
    "  --quick            2 rounds of 1 s per run (under 3 minutes on 2 cores)\n"
    "  --rounds N         rounds (default 3; --quick 2)\n"
    "  --seconds S        measured seconds per run (default 4; --quick 1); iscsi-perf\n"
    "                     measures whole seconds, at least one\n"
    "  --lun-size SIZE    size of each target's LUN image (default 512M)\n"
    "  --json FILE        write the JSON report to FILE ('-': standard output, no table)\n"
    "  --plot FILE        draw the plot with gnuplot: FILE.svg or FILE.png\n"
    "  --uiscsi-target PATH, --uiscsi-nbd PATH\n"
    "                     the binaries to measure (default: beside uiscsi-bench in the\n"
    "                     build tree, else on PATH)\n";

}  // namespace

int run_compare_command(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  CompareConfig config;
  std::optional<double> seconds;
  std::optional<unsigned> rounds;
  auto bad = [&](const std::string& why) {
    err << "uiscsi-bench compare: " << why << "\n";
    return 2;
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      out << kUsage;
      return 0;
    }
    if (arg == "--quick") {
      config.quick = true;
      continue;
    }
    std::string_view value;
    if (const std::size_t eq = arg.find('='); eq != std::string_view::npos && arg.starts_with("--")) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return bad(std::string(arg) + " needs a value\n" + std::string(kUsage));
    }
    const std::string shown = std::string(arg) + " '" + std::string(value) + "'";
    if (arg == "--json") {
      config.json_file = std::string(value);
    } else if (arg == "--plot") {
      if (!value.ends_with(".svg") && !value.ends_with(".png")) return bad(shown + ": the plot is FILE.svg or FILE.png");
      config.plot_file = std::string(value);
    } else if (arg == "--seconds") {
      double s = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), s);
      if (ec != std::errc{} || end != value.data() + value.size() || !std::isfinite(s) || s <= 0 || s > 3600)
        return bad(shown + ": seconds in (0, 3600]");
      seconds = s;
    } else if (arg == "--rounds") {
      unsigned n = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc{} || end != value.data() + value.size() || n == 0 || n > 100)
        return bad(shown + ": rounds in 1..100");
      rounds = n;
    } else if (arg == "--lun-size") {
      const auto size = parse_size(value);
      if (!size || *size < (1u << 20) || *size % 4096) return bad(shown + ": at least 1M, a multiple of 4k");
      config.lun_bytes = *size;
    } else if (arg == "--uiscsi-target") {
      config.uiscsi_target = std::string(value);
    } else if (arg == "--uiscsi-nbd") {
      config.uiscsi_nbd = std::string(value);
    } else {
      return bad("unknown option " + std::string(arg) + "\n" + std::string(kUsage));
    }
  }
  config.seconds = seconds.value_or(config.quick ? 1 : 4);
  config.rounds = rounds.value_or(config.quick ? 2 : 3);

  const CompareResult result = run_compare(config, err);
  const bool json_to_stdout = config.json_file && *config.json_file == "-";
  if (!json_to_stdout) write_compare_table(result, out);
  int status = result.error.empty() && !result.interrupted ? 0 : 1;
  if (config.json_file) {
    if (json_to_stdout) {
      write_compare_json(result, out);
    } else {
      std::ofstream file(*config.json_file);
      write_compare_json(result, file);
      if (!file) {
        err << "uiscsi-bench compare: cannot write " << *config.json_file << "\n";
        status = 1;
      }
    }
  }
  if (config.plot_file && result.error.empty()) {
    std::string why;
    if (!write_compare_plot(result, *config.plot_file, why)) {
      err << "uiscsi-bench compare: no plot: " << why << "\n";
      status = 1;
    } else {
      err << "compare: plot written to " << *config.plot_file << "\n";
    }
  }
  if (!result.error.empty()) err << "uiscsi-bench compare: " << result.error << "\n";
  err << "compare: finished in " << static_cast<long>(result.wall_seconds) << " s\n";
  return status;
}

}  // namespace uiscsi::bench
