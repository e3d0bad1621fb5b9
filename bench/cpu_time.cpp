#include "bench/cpu_time.h"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <string>

namespace uiscsi::bench {
namespace {

double seconds(const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) * 1e-6; }

double rusage_seconds(int who) {
  rusage usage{};
  ::getrusage(who, &usage);
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

std::optional<ProcStatTimes> parse_proc_stat(std::string_view line) {
  const std::size_t open = line.find('(');
  const std::size_t close = line.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return std::nullopt;
  // After ") " come fields 3 (state) onwards; utime and stime are fields 14 and 15.
  std::string_view rest = line.substr(close + 1);
  ProcStatTimes times;
  int field = 2;
  while (!rest.empty()) {
    const std::size_t start = rest.find_first_not_of(" \n");
    if (start == std::string_view::npos) break;
    rest = rest.substr(start);
    const std::size_t end = std::min(rest.find_first_of(" \n"), rest.size());
    const std::string_view token = rest.substr(0, end);
    rest = rest.substr(end);
    ++field;
    if (field == 14 || field == 15) {
      unsigned long long value = 0;
      const auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
      if (ec != std::errc{} || p != token.data() + token.size()) return std::nullopt;
      (field == 14 ? times.utime : times.stime) = value;
      if (field == 15) return times;
    }
  }
  return std::nullopt;
}

std::optional<double> process_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  if (!in) return std::nullopt;
  const std::string line((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto times = parse_proc_stat(line);
  if (!times) return std::nullopt;
  static const long ticks = ::sysconf(_SC_CLK_TCK);
  return static_cast<double>(times->utime + times->stime) / static_cast<double>(ticks);
}

double thread_rusage_seconds() { return rusage_seconds(RUSAGE_THREAD); }
double self_rusage_seconds() { return rusage_seconds(RUSAGE_SELF); }

}  // namespace uiscsi::bench
