#include "bench/raid_command.h"

#include <charconv>
#include <cmath>

#include "bench/raid_bench.h"

namespace uiscsi::bench {
namespace {

constexpr std::string_view kUsage =
    "usage: uiscsi-bench raid [--json] [--seconds S] [--members N] [--member-size MIB]\n\n"
    "Measures ISA-L parity (xor_gen for RAID 5, pq_gen for RAID 6) over one row of 64 KiB\n"
    "chunks (in cache) and one of 16 MiB units (not), and full-stripe sequential writes\n"
    "through the RAID backend on RAID 0, 5 and 6 over the same number of RAM-backed\n"
    "members, samples interleaved, reporting medians and each level's ratio to RAID 0.\n\n"
    "  --json             print one JSON document instead of a table\n"
    "  --seconds S        approximate measuring time, in CPU seconds of the measuring\n"
    "                     thread (default 6); wall time is longer on a busy machine\n"
    "  --members N        members per volume, 4..32 (default 6)\n"
    "  --member-size MIB  RAM per member in MiB, 8..4096 (default 64), for each of the\n"
    "                     three volumes\n";

template <class T>
bool parse_number(std::string_view text, T& out, T min, T max) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return false;
  if (!(value >= min && value <= max)) return false;
  out = value;
  return true;
}

}  // namespace

int run_raid_command(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  RaidBenchConfig config;
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
    if (arg != "--seconds" && arg != "--members" && arg != "--member-size") {
      err << "uiscsi-bench raid: unexpected argument '" << arg << "'\n" << kUsage;
      return 2;
    }
    if (i + 1 == args.size()) {
      err << "uiscsi-bench raid: " << arg << " needs a value\n";
      return 2;
    }
    const std::string_view value = args[++i];
    std::uint64_t mib = 0;
    const bool ok = arg == "--seconds"       ? parse_number(value, config.seconds, 0.01, 3600.0)
                    : arg == "--members"     ? parse_number(value, config.members, 4u, 32u)
                                             : parse_number(value, mib, std::uint64_t{8}, std::uint64_t{4096});
    if (!ok) {
      err << "uiscsi-bench raid: bad value '" << value << "' for " << arg << '\n' << kUsage;
      return 2;
    }
    if (mib) config.member_bytes = mib << 20;
  }

  const auto report = run_raid_bench(config, err);
  if (!report) return 1;
  if (json) {
    write_raid_json(*report, out);
  } else {
    write_raid_table(*report, out);
  }
  return 0;
}

}  // namespace uiscsi::bench
