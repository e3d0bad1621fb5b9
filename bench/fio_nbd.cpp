#include "bench/fio_nbd.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cmath>

#include "bench/child_process.h"
#include "bench/cpu_time.h"

namespace uiscsi::bench {
namespace {

namespace json = boost::json;

double number(const json::value* v) {
  if (!v) return 0;
  if (v->is_double()) return v->as_double();
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  if (v->is_uint64()) return static_cast<double>(v->as_uint64());
  return 0;
}

const json::value* member(const json::value* v, std::string_view key) {
  if (!v || !v->is_object()) return nullptr;
  return v->as_object().if_contains(key);
}

}  // namespace

std::optional<FioFigures> parse_fio_json(std::string_view text, std::string& why) {
  const std::size_t brace = text.find('{');
  if (brace == std::string_view::npos) {
    why = "no JSON in fio's output";
    return std::nullopt;
  }
  boost::system::error_code ec;
  const json::value doc = json::parse(text.substr(brace), ec);
  if (ec) {
    why = "fio's JSON does not parse: " + ec.message();
    return std::nullopt;
  }
  const json::value* jobs = member(&doc, "jobs");
  if (!jobs || !jobs->is_array() || jobs->as_array().empty()) {
    why = "fio's JSON has no jobs";
    return std::nullopt;
  }
  const json::value* job = &jobs->as_array().front();
  if (const double error = number(member(job, "error")); error != 0) {
    why = "fio's job failed with error " + std::to_string(static_cast<long long>(error));
    return std::nullopt;
  }
  FioFigures f;
  double weighted_latency[3] = {0, 0, 0};
  for (const char* direction : {"read", "write"}) {
    const json::value* d = member(job, direction);
    const double io_bytes = number(member(d, "io_bytes"));
    if (io_bytes <= 0) continue;
    f.iops += number(member(d, "iops"));
    f.bytes_per_second += number(member(d, "bw_bytes"));
    f.io_bytes += io_bytes;
    f.runtime_seconds = std::max(f.runtime_seconds, number(member(d, "runtime")) / 1000);
    const json::value* percentiles = member(member(d, "clat_ns"), "percentile");
    const char* keys[3] = {"50.000000", "99.000000", "99.900000"};
    // A mixed job's percentiles: each direction's, weighted by its bytes (an estimate).
    for (int i = 0; i < 3; ++i) weighted_latency[i] += number(member(percentiles, keys[i])) / 1000 * io_bytes;
  }
  if (f.io_bytes <= 0) {
    why = "fio moved no data";
    return std::nullopt;
  }
  f.completion_latency = {weighted_latency[0] / f.io_bytes, weighted_latency[1] / f.io_bytes,
                          weighted_latency[2] / f.io_bytes};
  const double cpu_percent = number(member(job, "usr_cpu")) + number(member(job, "sys_cpu"));
  f.cpu_seconds = cpu_percent / 100 * number(member(job, "job_runtime")) / 1000;
  return f;
}

Measurement run_fio_nbd(const FioNbdRun& run) {
  Measurement m;
  const long runtime_ms = std::max(100L, std::lround(run.seconds * 1000));
  const std::vector<std::string> argv = {
      "fio",          "--name=uiscsi-bench", "--ioengine=nbd", "--uri=" + run.uri,
      "--rw=" + run.rw, "--bs=" + std::to_string(run.block_size), "--iodepth=" + std::to_string(run.queue_depth),
      "--time_based", "--runtime=" + std::to_string(runtime_ms) + "ms", "--output-format=json"};
  std::map<std::string, double> before;
  for (const auto& [name, pid] : run.daemons) before[name] = process_cpu_seconds(pid).value_or(0);
  std::string output;
  const int rc = run_to_completion(argv, output, std::chrono::milliseconds(runtime_ms + 30000));
  std::map<std::string, double> after;
  for (const auto& [name, pid] : run.daemons) after[name] = process_cpu_seconds(pid).value_or(0);
  if (rc != 0) {
    m.error = "fio failed (" + std::to_string(rc) + "): " + output.substr(0, 2000);
    return m;
  }
  std::string why;
  const auto figures = parse_fio_json(output, why);
  if (!figures) {
    m.error = why;
    return m;
  }
  m.seconds = figures->runtime_seconds;
  m.iops = figures->iops;
  m.mb_per_s = figures->bytes_per_second / 1e6;
  m.latency = figures->completion_latency;
  m.client_cpu_s_per_gb = cpu_per_gb(figures->cpu_seconds, figures->io_bytes);
  for (const auto& [name, pid] : run.daemons) {
    if (const auto v = cpu_per_gb(after[name] - before[name], figures->io_bytes)) m.daemon_cpu_s_per_gb[name] = *v;
  }
  return m;
}

}  // namespace uiscsi::bench
