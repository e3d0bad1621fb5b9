// From `uiscsi-bench compare`'s samples to what it reports: the median of each figure per
// subject and workload, the ratio of each subject to its peer and to raw TCP, and the
// goals of issue 7 checked against them. Ratios are only ever taken within one run.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bench/compare_plan.h"
#include "bench/compare_run.h"

namespace uiscsi::bench {

struct CellSummary {
  std::string skipped;  // not run, and why
  std::string error;    // every sample failed: the first error
  unsigned runs = 0, failed = 0;
  double mb_per_s = 0, iops = 0;                  // medians over the successful samples
  std::optional<LatencyPercentiles> latency;     // median of each percentile
  std::optional<double> client_cpu_s_per_gb;     // median
  std::map<std::string, double> daemon_cpu_s_per_gb;  // median per daemon
  std::optional<double> copied_per_delivered;
  std::vector<double> samples_mb_per_s;
  std::string path;
  bool ok() const { return skipped.empty() && error.empty(); }
  // The CPU figure named "client" or after a daemon.
  std::optional<double> cpu(const std::string& whose) const;
};

CellSummary summarize_cell(const Cell& cell);
// Median MB/s of the raw TCP runs; 0 when none succeeded.
double raw_tcp_mb_per_s(const CompareResult& result);

struct ComparisonCell {
  std::string skipped;  // why there is no ratio (a side skipped or failed)
  double ratio = 0;     // subject MB/s / peer MB/s (= IOPS ratio: same request size)
  std::optional<double> cpu_ratio;  // subject CPU s/GB / peer CPU s/GB, per Comparison
  std::optional<double> subject_cpu, peer_cpu;
};

ComparisonCell compare_cells(const Comparison& comparison, const CellSummary& subject, const CellSummary& peer);

struct GoalResult {
  const Goal* goal = nullptr;
  std::string workload;
  std::optional<double> measured;  // the ratio or fraction; nullopt: not measured
  std::string why_not_measured;
  bool met = false;
};

std::vector<GoalResult> evaluate_goals(const CompareResult& result);

}  // namespace uiscsi::bench
