// One measured run of one subject on one workload, whatever ran it (uiscsi-bench io,
// iscsi-perf, fio, the raw TCP pair): the figures `uiscsi-bench compare` puts side by side.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "bench/io_run.h"

namespace uiscsi::bench {

struct Measurement {
  std::string error;  // empty: the figures are valid
  double seconds = 0;
  double iops = 0;
  double mb_per_s = 0;  // 10^6 bytes per second
  std::optional<LatencyPercentiles> latency;  // when the client reports it
  // CPU seconds per 10^9 bytes moved: the client's, and each daemon's by name
  // ("uiscsi-target", "tgtd", "qemu-nbd", "uiscsi-nbd").
  std::optional<double> client_cpu_s_per_gb;
  std::map<std::string, double> daemon_cpu_s_per_gb;
  // uiscsi's initiator only: data bytes copied per data byte delivered, placement hits.
  std::optional<double> copied_per_delivered;
  std::optional<double> placement_hits;
  std::string path;  // the data path the connection really used, when known
};

// CPU seconds per 10^9 bytes; nullopt when nothing moved.
inline std::optional<double> cpu_per_gb(double cpu_seconds, double bytes) {
  if (bytes <= 0) return std::nullopt;
  return cpu_seconds / (bytes / 1e9);
}

}  // namespace uiscsi::bench
