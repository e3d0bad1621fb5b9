// One `uiscsi-bench io` run: logs in, opens the LUN as a BlockDevice, keeps queue_depth
// requests in flight for the configured time or byte count, and measures.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "bench/io_config.h"
#include "offload/counters.h"
#include "offload/path.h"

namespace uiscsi::bench {

struct LatencyPercentiles {
  double p50_us = 0;
  double p99_us = 0;
  double p999_us = 0;
};

struct IoResult {
  IoConfig config;
  std::string error;  // empty on success; the figures below are valid then

  offload::PathInfo path;  // what the connection really got
  iscsi::DigestType header_digest = iscsi::DigestType::none;  // negotiated
  iscsi::DigestType data_digest = iscsi::DigestType::none;
  std::uint32_t lun_block_size = 0;
  std::uint64_t lun_bytes = 0;

  double seconds = 0;  // wall time of the measured phase
  std::uint64_t reads = 0, writes = 0;
  std::uint64_t bytes = 0;  // data moved by completed requests
  LatencyPercentiles latency;
  // CPU seconds over the measured phase: this process (every thread), and the target when
  // its pid was given and could be read.
  double client_cpu_seconds = 0;
  std::optional<double> target_cpu_seconds;
  // The connection's counters, over the measured phase.
  offload::Counters counters;

  double iops() const { return seconds > 0 ? static_cast<double>(reads + writes) / seconds : 0; }
  double megabytes_per_second() const { return seconds > 0 ? static_cast<double>(bytes) / seconds / 1e6 : 0; }
  // CPU seconds per 10^9 bytes moved.
  double client_cpu_per_gb() const { return bytes ? client_cpu_seconds / (static_cast<double>(bytes) / 1e9) : 0; }
  std::optional<double> target_cpu_per_gb() const;
  // Data bytes copied out of a receive buffer per data byte delivered to a task's buffers
  // (placed + copied); 0 when nothing was delivered (a pure write run).
  double copied_per_delivered() const;
};

// Runs `config` to the end. Failures (login, LUN, I/O) are in IoResult::error, never
// thrown. Progress and diagnostics go to `log`.
IoResult run_io(const IoConfig& config, std::ostream& log);

}  // namespace uiscsi::bench
