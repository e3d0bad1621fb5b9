// Output of `uiscsi-bench crc`: JSON for scripts and plots, a table for people.
#include <iomanip>
#include <string>

#include "bench/crc_bench.h"
#include "bench/json_writer.h"

namespace uiscsi::bench {
namespace {

// One object keyed by buffer size in bytes ("4096": ...).
template <class Cell>
void write_by_size(JsonWriter& json, const CrcBenchReport& report, Cell&& cell) {
  json.begin_object();
  for (std::size_t si = 0; si < report.config.sizes.size(); ++si) {
    json.key(std::to_string(report.config.sizes[si]));
    cell(si);
  }
  json.end_object();
}

std::string size_label(std::size_t bytes) {
  if (bytes % (1 << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes % (1 << 10) == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " B";
}

void write_cell(std::ostream& out, int width, std::optional<double> value) {
  if (value) {
    out << std::setw(width) << std::fixed << std::setprecision(2) << *value;
  } else {
    out << std::setw(width) << "-";
  }
}

}  // namespace

void write_crc_json(const CrcBenchReport& report, std::ostream& out) {
  const CrcRatios ratios = crc_ratios(report);
  JsonWriter json(out);
  json.begin_object();
  json.key("benchmark");
  json.value("crc");
  json.key("unit");
  json.value("GB/s");  // 10^9 bytes per second
  json.key("statistic");
  json.value("median");
  json.key("clock");
  json.value("thread_cpu_time");
  json.key("repetitions");
  json.value(static_cast<std::uint64_t>(report.config.repetitions));
  json.key("seconds");
  json.value(report.config.seconds);
  json.key("best_engine");
  json.value(report.best_engine);
  json.key("sizes");
  json.begin_array(JsonWriter::Layout::single_line);
  for (std::size_t size : report.config.sizes) json.value(static_cast<std::uint64_t>(size));
  json.end_array();

  json.key("results");
  json.begin_object();
  for (std::size_t ci = 0; ci < report.cases.size(); ++ci) {
    json.key(report.cases[ci]);
    write_by_size(json, report, [&](std::size_t si) { json.value(report.median(report.cases[ci], si)); });
  }
  json.end_object();

  // The spread of the samples behind each median, to judge the noise.
  json.key("min_max");
  json.begin_object();
  for (std::size_t ci = 0; ci < report.cases.size(); ++ci) {
    json.key(report.cases[ci]);
    write_by_size(json, report, [&](std::size_t si) {
      const auto& cell = report.gbps[ci][si];
      if (!cell) {
        json.null();
        return;
      }
      json.begin_array(JsonWriter::Layout::single_line);
      json.value(cell->min);
      json.value(cell->max);
      json.end_array();
    });
  }
  json.end_object();

  json.key("ratios");
  json.begin_object();
  json.key("isal_over_memcpy");
  write_by_size(json, report, [&](std::size_t si) { json.value(ratios.isal_over_memcpy[si]); });
  json.key("auto_over_best");
  write_by_size(json, report, [&](std::size_t si) { json.value(ratios.auto_over_best[si]); });
  json.key("sse42_over_sse42_1way");
  write_by_size(json, report, [&](std::size_t si) { json.value(ratios.sse42_over_1way[si]); });
  json.end_object();
  json.end_object();
}

void write_crc_table(const CrcBenchReport& report, std::ostream& out) {
  const CrcRatios ratios = crc_ratios(report);
  const auto& sizes = report.config.sizes;
  constexpr int kFirst = 22;
  constexpr int kColumn = 12;

  out << "CRC32C throughput, GB/s (10^9 B/s): median of " << report.config.repetitions
      << " interleaved samples per cell, timed in thread CPU time;\ndefault engine: "
      << report.best_engine << "\n\n";
  out << std::left << std::setw(kFirst) << "engine" << std::right;
  for (std::size_t size : sizes) out << std::setw(kColumn) << size_label(size);
  out << '\n';
  for (std::size_t ci = 0; ci < report.cases.size(); ++ci) {
    out << std::left << std::setw(kFirst) << report.cases[ci] << std::right;
    for (std::size_t si = 0; si < sizes.size(); ++si)
      write_cell(out, kColumn, report.median(report.cases[ci], si));
    out << '\n';
  }

  out << '\n' << std::left << std::setw(kFirst) << "ratio" << std::right;
  for (std::size_t size : sizes) out << std::setw(kColumn) << size_label(size);
  out << '\n';
  const auto row = [&](std::string_view label, const std::vector<std::optional<double>>& values) {
    out << std::left << std::setw(kFirst) << label << std::right;
    for (const auto& v : values) write_cell(out, kColumn, v);
    out << '\n';
  };
  row("isal / memcpy", ratios.isal_over_memcpy);
  row("auto / best engine", ratios.auto_over_best);
  row("sse42 / sse42_1way", ratios.sse42_over_1way);
}

}  // namespace uiscsi::bench
