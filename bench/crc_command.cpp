#include "bench/crc_command.h"

#include <charconv>
#include <cmath>

#include "bench/crc_bench.h"

namespace uiscsi::bench {
namespace {

constexpr std::string_view kUsage =
    "usage: uiscsi-bench crc [--json] [--seconds S]\n\n"
    "Measures CRC32C throughput of the slice8, sse42 and isal engines, of the default\n"
    "dispatch (auto), of a one-chain SSE4.2 loop (sse42_1way) and of memcpy, over 4 KiB,\n"
    "64 KiB and 1 MiB buffers that stay in cache, interleaved, reporting medians.\n\n"
    "  --json         print one JSON document instead of a table\n"
    "  --seconds S    approximate measuring time, in CPU seconds of the measuring\n"
    "                 thread (default 3); wall time is longer on a busy machine\n";

// A positive, finite number of seconds, at most an hour.
bool parse_seconds(std::string_view text, double& seconds) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return false;
  if (!std::isfinite(value) || value <= 0 || value > 3600) return false;
  seconds = value;
  return true;
}

}  // namespace

int run_crc_command(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  CrcBenchConfig config;
  bool json = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      out << kUsage;
      return 0;
    }
    if (arg == "--json") {
      json = true;
      continue;
    }
    std::string_view value;
    if (arg == "--seconds") {
      if (i + 1 == args.size()) {
        err << "uiscsi-bench crc: --seconds needs a value\n";
        return 2;
      }
      value = args[++i];
    } else if (arg.starts_with("--seconds=")) {
      value = arg.substr(std::string_view("--seconds=").size());
    } else {
      err << "uiscsi-bench crc: unexpected argument '" << arg << "'\n" << kUsage;
      return 2;
    }
    if (!parse_seconds(value, config.seconds)) {
      err << "uiscsi-bench crc: --seconds needs a number in (0, 3600], not '" << value << "'\n";
      return 2;
    }
  }

  const auto report = run_crc_bench(config, err);
  if (!report) return 1;
  if (json) {
    write_crc_json(*report, out);
  } else {
    write_crc_table(*report, out);
  }
  return 0;
}

}  // namespace uiscsi::bench
