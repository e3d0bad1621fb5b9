#include "bench/cli.h"

#include <array>

#include "bench/compare_command.h"
#include "bench/crc_command.h"
#include "bench/io_command.h"
#include "bench/raid_command.h"
#include "bench/subcommand.h"

namespace uiscsi::bench {
namespace {

constexpr std::array kSubcommands = {
    Subcommand{"crc", "CRC32C throughput of every engine against memcpy", run_crc_command},
    Subcommand{"compare", "start uiscsi and its peers on loopback and measure them side by side",
               run_compare_command},
    Subcommand{"io", "drive one LUN through uiscsi's initiator: IOPS, MB/s, latency, CPU per GB", run_io_command},
    Subcommand{"raid", "RAID parity and full-stripe writes on RAID 0, 5 and 6 over RAM", run_raid_command},
};

void print_usage(std::ostream& out) {
  out << "usage: uiscsi-bench SUBCOMMAND [OPTIONS]\n"
         "       uiscsi-bench SUBCOMMAND --help\n\n"
         "subcommands:\n";
  for (const Subcommand& s : kSubcommands) out << "  " << s.name << "\t" << s.summary << "\n";
}

}  // namespace

int run_cli(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    print_usage(err);
    return 2;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_usage(out);
    return 0;
  }
  for (const Subcommand& s : kSubcommands)
    if (s.name == args[0]) return s.run(args.subspan(1), out, err);
  err << "uiscsi-bench: unknown subcommand '" << args[0] << "'\n\n";
  print_usage(err);
  return 2;
}

}  // namespace uiscsi::bench
