// `uiscsi-bench compare`'s run: starts every subject's daemons on loopback (free ports, a
// temporary directory), then runs round after round, each round every workload and in it
// every subject one after the other (A B A B ...), so that the machine's drift over the
// run touches all of them alike. Medians and ratios are taken in compare_summary.h.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "bench/measurement.h"

namespace uiscsi::bench {

struct CompareConfig {
  bool quick = false;
  double seconds = 4;  // measured per run
  unsigned rounds = 3;
  std::uint64_t lun_bytes = 512ull << 20;
  std::optional<std::string> json_file;
  std::optional<std::string> plot_file;
  std::string uiscsi_target;  // binaries; found beside uiscsi-bench when empty
  std::string uiscsi_nbd;
};

// The samples of one subject on one workload, or why it was not run.
struct Cell {
  std::vector<Measurement> samples;
  std::string skipped;  // non-empty: not run, and this is why
};

struct CompareResult {
  CompareConfig config;
  std::map<std::string, std::map<std::string, Cell>> cells;  // subject key -> workload name
  std::vector<Measurement> raw_tcp;                           // one per round
  double wall_seconds = 0;
  std::string error;  // set when the run could not happen at all (uiscsi-target failed)
  bool interrupted = false;  // SIGINT / SIGTERM stopped it early
};

// Runs the whole comparison; progress lines go to `progress`. SIGINT or SIGTERM ends it
// after the measurement under way, with everything it started cleaned up.
CompareResult run_compare(const CompareConfig& config, std::ostream& progress);

// Where a sibling tool of this executable lives in the build tree
// (build/tools/uiscsi-bench/uiscsi-bench -> build/tools/NAME/NAME), else on $PATH; empty
// when neither has it.
std::string sibling_tool(const std::string& name);

}  // namespace uiscsi::bench
