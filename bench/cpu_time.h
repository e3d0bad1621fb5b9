// CPU time of processes and threads, for the "CPU seconds per GB" figures: a daemon's from
// /proc/PID/stat (utime + stime, proc(5)), our own from getrusage.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string_view>

namespace uiscsi::bench {

// The user and system time fields of one /proc/PID/stat line, in clock ticks.
struct ProcStatTimes {
  unsigned long long utime = 0;  // field 14
  unsigned long long stime = 0;  // field 15
};

// Parses a /proc/PID/stat line. The second field, comm, is in parentheses and may itself
// contain spaces and ')', so the fields are counted from the last ')'. nullopt when the
// text does not have that shape.
std::optional<ProcStatTimes> parse_proc_stat(std::string_view line);

// utime + stime of process `pid` in seconds (all its threads); nullopt when it is gone.
std::optional<double> process_cpu_seconds(pid_t pid);

// User + system CPU seconds of the calling thread (RUSAGE_THREAD) and of this whole
// process (RUSAGE_SELF).
double thread_rusage_seconds();
double self_rusage_seconds();

}  // namespace uiscsi::bench
