// libiscsi's iscsi-perf as a benchmark client. It only reads, runs until it is killed and
// prints one progress record per second, separated by '\r':
//
//   00:00:02 - lba 41472, iops current 969 (242 MB/s), iops average 1040 (260 MB/s), in_flight 16, busy 0
//
// We start it, read the records as they come, sample the daemons' CPU time at each, and
// stop it after the first record plus the measured seconds: the first second (login,
// ramp-up) is not measured.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "bench/iscsi_url.h"
#include "bench/measurement.h"

namespace uiscsi::bench {

struct IscsiPerfRecord {
  unsigned elapsed_seconds = 0;  // the HH:MM:SS stamp
  std::uint64_t lba = 0;
  double iops_current = 0;
  double iops_average = 0;
  unsigned in_flight = 0;
};

// Parses one progress record; nullopt for anything else (banner lines, "finished.").
std::optional<IscsiPerfRecord> parse_iscsi_perf_record(std::string_view text);

struct IscsiPerfRun {
  IscsiUrl url;
  unsigned queue_depth = 16;
  unsigned blocks = 8;  // logical blocks per request (-b)
  bool random = false;  // -r
  double seconds = 5;   // measured, rounded up to whole records (at least one)
  // Daemons whose CPU time is charged to the bytes read, by name.
  std::map<std::string, pid_t> daemons;
  unsigned block_size = 512;  // the LUN's, to turn blocks into bytes
};

Measurement run_iscsi_perf(const IscsiPerfRun& run);

}  // namespace uiscsi::bench
