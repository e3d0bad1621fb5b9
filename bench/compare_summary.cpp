#include "bench/compare_summary.h"

#include "bench/stats.h"

namespace uiscsi::bench {
namespace {

double median_of(std::vector<double> values) { return summarize(values).median; }

}  // namespace

std::optional<double> CellSummary::cpu(const std::string& whose) const {
  if (whose == "client") return client_cpu_s_per_gb;
  const auto it = daemon_cpu_s_per_gb.find(whose);
  if (it == daemon_cpu_s_per_gb.end()) return std::nullopt;
  return it->second;
}

CellSummary summarize_cell(const Cell& cell) {
  CellSummary s;
  s.skipped = cell.skipped;
  s.runs = static_cast<unsigned>(cell.samples.size());
  std::vector<double> iops, p50, p99, p999, client, copied;
  std::map<std::string, std::vector<double>> daemons;
  for (const Measurement& m : cell.samples) {
    if (!m.error.empty()) {
      if (s.error.empty()) s.error = m.error;
      ++s.failed;
      continue;
    }
    s.samples_mb_per_s.push_back(m.mb_per_s);
    iops.push_back(m.iops);
    if (m.latency) {
      p50.push_back(m.latency->p50_us);
      p99.push_back(m.latency->p99_us);
      p999.push_back(m.latency->p999_us);
    }
    if (m.client_cpu_s_per_gb) client.push_back(*m.client_cpu_s_per_gb);
    if (m.copied_per_delivered) copied.push_back(*m.copied_per_delivered);
    for (const auto& [name, value] : m.daemon_cpu_s_per_gb) daemons[name].push_back(value);
    s.path = m.path;
  }
  if (s.samples_mb_per_s.empty()) {
    if (s.skipped.empty() && s.error.empty()) s.error = "no sample";
    return s;
  }
  s.error.clear();  // some samples succeeded: the figures stand (failed counts the others)
  s.mb_per_s = median_of(s.samples_mb_per_s);
  s.iops = median_of(iops);
  if (!p50.empty()) s.latency = LatencyPercentiles{median_of(p50), median_of(p99), median_of(p999)};
  if (!client.empty()) s.client_cpu_s_per_gb = median_of(client);
  if (!copied.empty()) s.copied_per_delivered = median_of(copied);
  for (auto& [name, values] : daemons) s.daemon_cpu_s_per_gb[name] = median_of(values);
  return s;
}

double raw_tcp_mb_per_s(const CompareResult& result) {
  std::vector<double> values;
  for (const Measurement& m : result.raw_tcp)
    if (m.error.empty() && m.mb_per_s > 0) values.push_back(m.mb_per_s);
  return values.empty() ? 0 : median_of(values);
}

ComparisonCell compare_cells(const Comparison& comparison, const CellSummary& subject, const CellSummary& peer) {
  ComparisonCell c;
  for (const auto& [side, s] : {std::pair{&comparison.subject, &subject}, std::pair{&comparison.peer, &peer}}) {
    if (!s->skipped.empty()) {
      c.skipped = *side + " skipped: " + s->skipped;
      return c;
    }
    if (!s->error.empty()) {
      c.skipped = *side + " failed: " + s->error;
      return c;
    }
  }
  if (peer.mb_per_s <= 0) {
    c.skipped = comparison.peer + " moved no data";
    return c;
  }
  c.ratio = subject.mb_per_s / peer.mb_per_s;
  c.subject_cpu = subject.cpu(comparison.subject_cpu);
  c.peer_cpu = peer.cpu(comparison.peer_cpu);
  if (c.subject_cpu && c.peer_cpu && *c.peer_cpu > 0) c.cpu_ratio = *c.subject_cpu / *c.peer_cpu;
  return c;
}

std::vector<GoalResult> evaluate_goals(const CompareResult& result) {
  std::vector<GoalResult> out;
  const double raw = raw_tcp_mb_per_s(result);
  for (const Goal& goal : compare_goals()) {
    for (const CompareWorkload& workload : compare_workloads()) {
      if (!goal.workload.empty() && goal.workload != workload.name) continue;
      GoalResult g{&goal, workload.name, std::nullopt, "", false};
      if (goal.comparison.empty()) {
        const CellSummary s = summarize_cell(result.cells.at(goal.subject).at(workload.name));
        if (!s.ok()) g.why_not_measured = s.skipped.empty() ? s.error : s.skipped;
        else if (raw <= 0) g.why_not_measured = "raw TCP was not measured";
        else g.measured = s.mb_per_s / raw;
      } else {
        const Comparison* comparison = nullptr;
        for (const Comparison& c : compare_comparisons())
          if (c.key == goal.comparison) comparison = &c;
        const CellSummary subject = summarize_cell(result.cells.at(comparison->subject).at(workload.name));
        const CellSummary peer = summarize_cell(result.cells.at(comparison->peer).at(workload.name));
        const ComparisonCell c = compare_cells(*comparison, subject, peer);
        // A workload a side cannot run (iscsi-perf writes) is no goal there, not a miss.
        if (subject.skipped == "iscsi-perf only reads" || peer.skipped == "iscsi-perf only reads") continue;
        if (!c.skipped.empty()) g.why_not_measured = c.skipped;
        else if (goal.cpu && !c.cpu_ratio) g.why_not_measured = "CPU time not measured";
        else g.measured = goal.cpu ? *c.cpu_ratio : c.ratio;
      }
      if (g.measured) g.met = goal.cpu ? *g.measured < goal.threshold : *g.measured >= goal.threshold;
      out.push_back(std::move(g));
    }
  }
  return out;
}

}  // namespace uiscsi::bench
