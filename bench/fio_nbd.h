// fio with ioengine=nbd as the client of the NBD exports, and the part of fio's JSON
// report (--output-format=json) we use. The nbd engine prints "fio: connected to NBD
// server" on standard output before the JSON, so the report starts at the first '{'.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "bench/measurement.h"

namespace uiscsi::bench {

struct FioFigures {
  double iops = 0;
  double bytes_per_second = 0;
  double runtime_seconds = 0;  // of the direction that moved data
  double io_bytes = 0;
  LatencyPercentiles completion_latency;  // clat percentiles
  double cpu_seconds = 0;                 // (usr_cpu + sys_cpu)% of job_runtime
};

// Reads the first job of a fio JSON report, summing its read and write directions.
// nullopt and `why` when the text is not such a report, or the job reports an error.
std::optional<FioFigures> parse_fio_json(std::string_view text, std::string& why);

struct FioNbdRun {
  std::string uri;       // nbd+unix:///?socket=PATH
  std::string rw;        // fio's rw=: read, write, randread, randwrite
  unsigned block_size = 4096;
  unsigned queue_depth = 32;
  double seconds = 5;
  std::map<std::string, pid_t> daemons;  // CPU time charged to the bytes moved
};

Measurement run_fio_nbd(const FioNbdRun& run);

}  // namespace uiscsi::bench
