#include "bench/compare_report.h"

#include <iomanip>
#include <sstream>

#include "bench/compare_summary.h"
#include "bench/json_writer.h"
#include "bench/stats.h"

namespace uiscsi::bench {
namespace {

std::string_view client_name(ClientKind kind) {
  switch (kind) {
    case ClientKind::uiscsi_io: return "uiscsi-bench io";
    case ClientKind::iscsi_perf: return "iscsi-perf";
    case ClientKind::fio_nbd: return "fio (ioengine=nbd)";
  }
  return "";
}

void write_optional(JsonWriter& json, std::string_view key, std::optional<double> value) {
  json.key(key);
  json.value(value);
}

void write_cell_json(JsonWriter& json, const CellSummary& s, double raw) {
  json.begin_object();
  if (!s.skipped.empty()) {
    json.key("skipped");
    json.value(s.skipped);
    json.end_object();
    return;
  }
  if (!s.error.empty()) {
    json.key("error");
    json.value(s.error);
  }
  json.key("runs");
  json.value(std::uint64_t{s.runs});
  json.key("failed_runs");
  json.value(std::uint64_t{s.failed});
  if (s.error.empty()) {
    json.key("mb_per_s");
    json.value(s.mb_per_s);
    json.key("iops");
    json.value(s.iops);
    json.key("samples_mb_per_s");
    json.begin_array(JsonWriter::Layout::single_line);
    for (double v : s.samples_mb_per_s) json.value(v);
    json.end_array();
    json.key("latency_us");
    if (s.latency) {
      json.begin_object(JsonWriter::Layout::single_line);
      json.key("p50");
      json.value(s.latency->p50_us);
      json.key("p99");
      json.value(s.latency->p99_us);
      json.key("p99.9");
      json.value(s.latency->p999_us);
      json.end_object();
    } else {
      json.null();  // iscsi-perf reports no latency
    }
    write_optional(json, "client_cpu_s_per_gb", s.client_cpu_s_per_gb);
    json.key("daemon_cpu_s_per_gb");
    json.begin_object(JsonWriter::Layout::single_line);
    for (const auto& [name, value] : s.daemon_cpu_s_per_gb) {
      json.key(name);
      json.value(value);
    }
    json.end_object();
    write_optional(json, "vs_raw_tcp", raw > 0 ? std::optional(s.mb_per_s / raw) : std::nullopt);
    write_optional(json, "copied_per_delivered", s.copied_per_delivered);
    json.key("path");
    json.value(s.path);
  }
  json.end_object();
}

std::string fixed(double v, int precision) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(precision) << v;
  return s.str();
}

}  // namespace

void write_compare_json(const CompareResult& result, std::ostream& out) {
  const double raw = raw_tcp_mb_per_s(result);
  JsonWriter json(out);
  json.begin_object();
  json.key("benchmark");
  json.value("compare");
  json.key("quick");
  json.value(result.config.quick);
  json.key("rounds");
  json.value(std::uint64_t{result.config.rounds});
  json.key("seconds_per_run");
  json.value(result.config.seconds);
  json.key("lun_bytes");
  json.value(result.config.lun_bytes);
  json.key("wall_seconds");
  json.value(result.wall_seconds);
  json.key("interrupted");
  json.value(result.interrupted);
  json.key("units");
  json.value("mb_per_s: 10^6 bytes/s (median of rounds); cpu_s_per_gb: CPU seconds per 10^9 bytes moved");
  if (!result.error.empty()) {
    json.key("error");
    json.value(result.error);
  }

  json.key("raw_tcp");
  json.begin_object();
  json.key("description");
  json.value("one loopback TCP stream, 1 MiB writes, sender and receiver threads in uiscsi-bench");
  json.key("mb_per_s");
  json.value(raw);
  json.key("samples_mb_per_s");
  json.begin_array(JsonWriter::Layout::single_line);
  for (const Measurement& m : result.raw_tcp) json.value(m.mb_per_s);
  json.end_array();
  json.key("cpu_s_per_gb");
  std::vector<double> cpu;
  for (const Measurement& m : result.raw_tcp)
    if (m.client_cpu_s_per_gb) cpu.push_back(*m.client_cpu_s_per_gb);
  json.value(cpu.empty() ? std::nullopt : std::optional(summarize(cpu).median));
  json.end_object();

  json.key("workloads");
  json.begin_array();
  for (const CompareWorkload& w : compare_workloads()) {
    json.begin_object(JsonWriter::Layout::single_line);
    json.key("name");
    json.value(w.name);
    json.key("rw");
    json.value(w.read ? "read" : "write");
    json.key("pattern");
    json.value(w.random ? "rand" : "seq");
    json.key("block_size");
    json.value(std::uint64_t{w.block_size});
    json.key("queue_depth");
    json.value(std::uint64_t{w.queue_depth});
    json.end_object();
  }
  json.end_array();

  json.key("subjects");
  json.begin_object();
  for (const Subject& subject : compare_subjects()) {
    json.key(subject.key);
    json.begin_object();
    json.key("description");
    json.value(subject.description);
    json.key("client");
    json.value(client_name(subject.client));
    json.key("target");
    json.value(subject.target);
    if (!subject.nbd_export.empty()) {
      json.key("nbd_export");
      json.value(subject.nbd_export);
    }
    json.key("path");
    json.value(offload::name(subject.path));
    json.key("digests");
    json.value(subject.digests == iscsi::DigestType::crc32c ? "crc32c" : "none");
    json.key("results");
    json.begin_object();
    for (const CompareWorkload& w : compare_workloads()) {
      json.key(w.name);
      const auto subject_it = result.cells.find(subject.key);
      if (subject_it == result.cells.end()) {
        json.begin_object();
        json.key("skipped");
        json.value(result.error.empty() ? "not run" : result.error);
        json.end_object();
      } else {
        write_cell_json(json, summarize_cell(subject_it->second.at(w.name)), raw);
      }
    }
    json.end_object();
    json.end_object();
  }
  json.end_object();

  json.key("comparisons");
  json.begin_array();
  for (const Comparison& comparison : compare_comparisons()) {
    json.begin_object();
    json.key("name");
    json.value(comparison.key);
    json.key("question");
    json.value(comparison.question);
    json.key("subject");
    json.value(comparison.subject);
    json.key("peer");
    json.value(comparison.peer);
    json.key("cpu_compared");
    json.value(comparison.subject_cpu + " vs " + comparison.peer_cpu);
    json.key("results");
    json.begin_object();
    for (const CompareWorkload& w : compare_workloads()) {
      json.key(w.name);
      json.begin_object(JsonWriter::Layout::single_line);
      if (result.cells.empty()) {
        json.key("skipped");
        json.value(result.error);
        json.end_object();
        continue;
      }
      const CellSummary a = summarize_cell(result.cells.at(comparison.subject).at(w.name));
      const CellSummary b = summarize_cell(result.cells.at(comparison.peer).at(w.name));
      const ComparisonCell c = compare_cells(comparison, a, b);
      if (!c.skipped.empty()) {
        json.key("skipped");
        json.value(c.skipped);
      } else {
        json.key("ratio");
        json.value(c.ratio);
        write_optional(json, "cpu_ratio", c.cpu_ratio);
        write_optional(json, "subject_cpu_s_per_gb", c.subject_cpu);
        write_optional(json, "peer_cpu_s_per_gb", c.peer_cpu);
        write_optional(json, "subject_vs_raw_tcp", raw > 0 ? std::optional(a.mb_per_s / raw) : std::nullopt);
        write_optional(json, "peer_vs_raw_tcp", raw > 0 ? std::optional(b.mb_per_s / raw) : std::nullopt);
      }
      json.end_object();
    }
    json.end_object();
    json.end_object();
  }
  json.end_array();

  json.key("goals");
  json.begin_array();
  if (result.error.empty()) {
    for (const GoalResult& g : evaluate_goals(result)) {
      json.begin_object(JsonWriter::Layout::single_line);
      json.key("goal");
      json.value(g.goal->text);
      json.key("workload");
      json.value(g.workload);
      json.key("threshold");
      json.value(g.goal->threshold);
      json.key("measured");
      json.value(g.measured);
      if (g.measured) {
        json.key("met");
        json.value(g.met);
      } else {
        json.key("not_measured");
        json.value(g.why_not_measured);
      }
      json.end_object();
    }
  }
  json.end_array();
  json.end_object();
  out << "\n";
}

void write_compare_table(const CompareResult& result, std::ostream& out) {
  if (!result.error.empty()) {
    out << "compare failed: " << result.error << "\n";
    return;
  }
  const double raw = raw_tcp_mb_per_s(result);
  out << "raw TCP loopback (1 stream, 1 MiB writes): " << fixed(raw, 0) << " MB/s\n";
  out << "medians of " << result.config.rounds << " rounds x " << result.config.seconds << " s; MB/s = 10^6 B/s; "
      << "CPU in s/GB (client | daemons)\n\n";
  for (const CompareWorkload& w : compare_workloads()) {
    out << w.name << " (QD" << w.queue_depth << ")\n";
    for (const Subject& subject : compare_subjects()) {
      const CellSummary s = summarize_cell(result.cells.at(subject.key).at(w.name));
      out << "  " << std::left << std::setw(40) << subject.key << std::right;
      if (!s.skipped.empty()) {
        out << "skipped: " << s.skipped << "\n";
        continue;
      }
      if (!s.error.empty()) {
        out << "error: " << s.error.substr(0, 200) << "\n";
        continue;
      }
      out << std::setw(8) << fixed(s.mb_per_s, 0) << " MB/s " << std::setw(8) << fixed(s.iops, 0) << " IOPS "
          << std::setw(5) << (raw > 0 ? fixed(s.mb_per_s / raw * 100, 0) : "-") << "% raw  cpu "
          << (s.client_cpu_s_per_gb ? fixed(*s.client_cpu_s_per_gb, 3) : "-");
      for (const auto& [name, value] : s.daemon_cpu_s_per_gb) out << " | " << name << " " << fixed(value, 3);
      if (s.latency) out << "  p50/p99/p99.9 us " << fixed(s.latency->p50_us, 0) << "/" << fixed(s.latency->p99_us, 0)
                         << "/" << fixed(s.latency->p999_us, 0);
      out << "\n";
    }
  }
  out << "\nratios (subject / peer, MB/s; CPU s/GB ratio in brackets)\n";
  for (const Comparison& comparison : compare_comparisons()) {
    out << "  " << std::left << std::setw(24) << comparison.key << std::right;
    for (const CompareWorkload& w : compare_workloads()) {
      const ComparisonCell c = compare_cells(comparison, summarize_cell(result.cells.at(comparison.subject).at(w.name)),
                                             summarize_cell(result.cells.at(comparison.peer).at(w.name)));
      out << "  " << w.name << " ";
      if (!c.skipped.empty()) out << "-";
      else out << fixed(c.ratio, 2) << "x" << (c.cpu_ratio ? " [" + fixed(*c.cpu_ratio, 2) + "]" : "");
    }
    out << "\n";
  }
  out << "\ngoals\n";
  for (const GoalResult& g : evaluate_goals(result)) {
    out << "  " << (g.measured ? (g.met ? "met    " : "MISSED ") : "n/a    ") << std::left << std::setw(52)
        << g.goal->text << std::right << " " << std::setw(15) << g.workload << "  "
        << (g.measured ? fixed(*g.measured, 2) : g.why_not_measured.substr(0, 60)) << "\n";
  }
}

}  // namespace uiscsi::bench
