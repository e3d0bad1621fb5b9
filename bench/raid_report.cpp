// Output of `uiscsi-bench raid`: JSON for scripts and plots, a table for people.
#include <iomanip>

#include "bench/json_writer.h"
#include "bench/raid_bench.h"

namespace uiscsi::bench {
namespace {

void write_summary(JsonWriter& json, const Summary& s) {
  json.begin_object(JsonWriter::Layout::single_line);
  json.key("min");
  json.value(s.min);
  json.key("median");
  json.value(s.median);
  json.key("max");
  json.value(s.max);
  json.end_object();
}

}  // namespace

void write_raid_json(const RaidBenchReport& report, std::ostream& out) {
  const RaidBenchConfig& c = report.config;
  JsonWriter json(out);
  json.begin_object();
  json.key("benchmark");
  json.value("raid");
  json.key("unit");
  json.value("GB/s");
  json.key("clock");
  json.value("thread_cpu_time");
  json.key("repetitions");
  json.value(static_cast<std::uint64_t>(c.repetitions));
  json.key("members");
  json.value(std::uint64_t{c.members});
  json.key("chunk_bytes");
  json.value(c.chunk_bytes);
  json.key("member_bytes");
  json.value(c.member_bytes);
  json.key("parity");
  json.begin_array();
  for (const auto& p : report.parity) {
    json.begin_object(JsonWriter::Layout::single_line);
    json.key("function");
    json.value(p.function);
    json.key("data_units");
    json.value(std::uint64_t{p.data_units});
    json.key("unit_bytes");
    json.value(static_cast<std::uint64_t>(p.unit_bytes));
    json.key("gbps");
    write_summary(json, p.gbps);
    json.end_object();
  }
  json.end_array();
  json.key("full_stripe_writes");
  json.begin_array();
  for (const auto& w : report.writes) {
    json.begin_object(JsonWriter::Layout::single_line);
    json.key("level");
    json.value(w.level);
    json.key("data_members");
    json.value(std::uint64_t{w.data_members});
    json.key("write_bytes");
    json.value(w.write_bytes);
    json.key("gbps");
    write_summary(json, w.gbps);
    json.key("ratio_to_raid0");
    json.value(report.ratio_to_raid0(w.level));
    json.end_object();
  }
  json.end_array();
  json.end_object();
  out << '\n';
}

void write_raid_table(const RaidBenchReport& report, std::ostream& out) {
  const RaidBenchConfig& c = report.config;
  out << "uiscsi-bench raid: " << c.members << " RAM members of " << (c.member_bytes >> 20) << " MiB, "
      << (c.chunk_bytes >> 10) << " KiB chunks; GB/s (10^9 B/s) of thread CPU time, median of " << c.repetitions
      << " interleaved samples [min .. max]\n\n";
  out << std::fixed << std::setprecision(2);
  out << "parity (one row)              data in\n";
  for (const auto& p : report.parity) {
    out << "  " << std::left << std::setw(8) << p.function << std::right << " " << p.data_units << " x " << std::setw(5)
        << (p.unit_bytes >> 10) << " KiB " << std::setw(9) << p.gbps.median << "  [" << p.gbps.min << " .. "
        << p.gbps.max << "]\n";
  }
  out << "\nfull-stripe sequential writes  user data     vs raid0\n";
  for (const auto& w : report.writes) {
    out << "  " << std::left << std::setw(6) << w.level << std::right << " " << w.data_members << " data, "
        << std::setw(5) << (w.write_bytes >> 10) << " KiB/write " << std::setw(7) << w.gbps.median << "  "
        << std::setw(6) << report.ratio_to_raid0(w.level).value_or(0) << "  [" << w.gbps.min << " .. " << w.gbps.max
        << "]\n";
  }
}

}  // namespace uiscsi::bench
