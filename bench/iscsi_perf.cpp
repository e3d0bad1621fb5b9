#include "bench/iscsi_perf.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <vector>

#include "bench/child_process.h"
#include "bench/cpu_time.h"

namespace uiscsi::bench {
namespace {

// The number right after `label` in `text`, or nullopt.
template <class Number>
std::optional<Number> number_after(std::string_view text, std::string_view label) {
  const std::size_t at = text.find(label);
  if (at == std::string_view::npos) return std::nullopt;
  const char* begin = text.data() + at + label.size();
  Number value{};
  const auto [end, ec] = std::from_chars(begin, text.data() + text.size(), value);
  if (ec != std::errc{} || end == begin) return std::nullopt;
  return value;
}

struct Sample {
  std::chrono::steady_clock::time_point when;
  IscsiPerfRecord record;
  std::map<std::string, double> daemon_cpu;
  double client_cpu = 0;
};

}  // namespace

std::optional<IscsiPerfRecord> parse_iscsi_perf_record(std::string_view text) {
  const std::size_t start = text.find_first_not_of(" \r\n");
  if (start == std::string_view::npos) return std::nullopt;
  text = text.substr(start);
  // "HH:MM:SS - "
  if (text.size() < 11 || text[2] != ':' || text[5] != ':' || text.substr(8, 3) != " - ") return std::nullopt;
  unsigned h = 0, m = 0, s = 0;
  auto two = [&](std::size_t at, unsigned& v) {
    const auto [end, ec] = std::from_chars(text.data() + at, text.data() + at + 2, v);
    return ec == std::errc{} && end == text.data() + at + 2;
  };
  if (!two(0, h) || !two(3, m) || !two(6, s)) return std::nullopt;
  IscsiPerfRecord r;
  r.elapsed_seconds = h * 3600 + m * 60 + s;
  const auto lba = number_after<std::uint64_t>(text, "lba ");
  const auto current = number_after<double>(text, "iops current ");
  const auto average = number_after<double>(text, "iops average ");
  const auto in_flight = number_after<unsigned>(text, "in_flight ");
  if (!current || !average) return std::nullopt;
  r.lba = lba.value_or(0);
  r.iops_current = *current;
  r.iops_average = *average;
  r.in_flight = in_flight.value_or(0);
  return r;
}

Measurement run_iscsi_perf(const IscsiPerfRun& run) {
  Measurement m;
  const unsigned measured = std::max(1u, static_cast<unsigned>(std::ceil(run.seconds - 1e-9)));
  std::vector<std::string> argv = {"iscsi-perf", "-m", std::to_string(run.queue_depth), "-b", std::to_string(run.blocks)};
  if (run.random) argv.push_back("-r");
  argv.push_back(run.url.to_string());
  std::string error;
  auto child = ChildProcess::start(argv, ChildProcess::Output::to_pipe, "", error);
  if (!child) {
    m.error = error;
    return m;
  }

  std::vector<Sample> samples;
  std::string text, pending;
  char buffer[4096];
  auto last_progress = std::chrono::steady_clock::now();
  while (samples.size() < measured + 1) {
    pollfd p{child->output_fd(), POLLIN, 0};
    const int ready = ::poll(&p, 1, 200);
    const auto now = std::chrono::steady_clock::now();
    if (ready <= 0) {
      if (now - last_progress > std::chrono::seconds(15)) {
        m.error = "iscsi-perf printed no progress for 15 s: " + text;
        return m;
      }
      continue;
    }
    const ssize_t n = ::read(child->output_fd(), buffer, sizeof buffer);
    if (n <= 0) {
      // It exited before measuring: a login or I/O failure it printed.
      m.error = "iscsi-perf stopped: " + text.substr(0, 2000);
      return m;
    }
    text.append(buffer, static_cast<std::size_t>(n));
    pending.append(buffer, static_cast<std::size_t>(n));
    std::size_t cut;
    while ((cut = pending.find_first_of("\r\n")) != std::string::npos) {
      const std::string record_text = pending.substr(0, cut);
      pending.erase(0, cut + 1);
      const auto record = parse_iscsi_perf_record(record_text);
      if (!record) continue;
      last_progress = now;
      Sample sample{now, *record, {}, process_cpu_seconds(child->pid()).value_or(0)};
      for (const auto& [name, pid] : run.daemons) sample.daemon_cpu[name] = process_cpu_seconds(pid).value_or(0);
      samples.push_back(std::move(sample));
    }
  }
  child->signal(SIGINT);
  if (!child->wait_for(std::chrono::seconds(2))) child->kill();

  // Records 2..measured+1 cover the measured seconds; each "iops current" is one second's.
  const Sample& first = samples.front();
  const Sample& last = samples.back();
  double ios = 0;
  for (std::size_t i = 1; i < samples.size(); ++i) ios += samples[i].record.iops_current;
  const double bytes = ios * run.blocks * run.block_size;
  m.seconds = std::chrono::duration<double>(last.when - first.when).count();
  m.iops = ios / static_cast<double>(measured);
  m.mb_per_s = bytes / static_cast<double>(measured) / 1e6;
  m.client_cpu_s_per_gb = cpu_per_gb(last.client_cpu - first.client_cpu, bytes);
  for (const auto& [name, pid] : run.daemons) {
    if (const auto v = cpu_per_gb(last.daemon_cpu.at(name) - first.daemon_cpu.at(name), bytes)) m.daemon_cpu_s_per_gb[name] = *v;
  }
  if (ios == 0) m.error = "iscsi-perf completed no request";
  return m;
}

}  // namespace uiscsi::bench
