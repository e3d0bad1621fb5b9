// `uiscsi-bench crc`: throughput of each CRC32C engine, of the default (auto) dispatch,
// of a one-chain SSE4.2 loop and of memcpy over the same buffer, all in one run.
#pragma once

#include <cstddef>
#include <optional>
#include <ostream>
#include <string_view>
#include <vector>

#include "bench/stats.h"

namespace uiscsi::bench {

struct CrcBenchConfig {
  double seconds = 3.0;  // approximate total measuring time, in thread CPU seconds
  int repetitions = 11;  // samples per (case, size), interleaved; odd for a true median
  std::vector<std::size_t> sizes = {4096, 65536, 1 << 20};
};

// Throughput in GB/s (10^9 bytes per second).
struct CrcBenchReport {
  CrcBenchConfig config;
  std::string_view best_engine;
  std::vector<std::string_view> cases;  // "slice8", "sse42", "sse42_1way", "isal", "auto", "memcpy"
  // gbps[case][size index]; nullopt when this CPU cannot run the case.
  std::vector<std::vector<std::optional<Summary>>> gbps;

  // Median GB/s, or nullopt if the case was not run.
  std::optional<double> median(std::string_view case_name, std::size_t size_index) const;
};

// Ratios derived from the medians, one per size; nullopt where an input is missing.
struct CrcRatios {
  std::vector<std::optional<double>> isal_over_memcpy;
  std::vector<std::optional<double>> auto_over_best;  // best: the fastest named engine
  std::vector<std::optional<double>> sse42_over_1way;
};

// Checks first that every case computes the same CRC, then measures. Returns nullopt,
// with the reason on `err`, if they disagree.
std::optional<CrcBenchReport> run_crc_bench(const CrcBenchConfig& config, std::ostream& err);

CrcRatios crc_ratios(const CrcBenchReport& report);

// One JSON document.
void write_crc_json(const CrcBenchReport& report, std::ostream& out);
// A table for people.
void write_crc_table(const CrcBenchReport& report, std::ostream& out);

}  // namespace uiscsi::bench
