#include "bench/compare_run.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iomanip>
#include <memory>
#include <sstream>

#include "bench/child_process.h"
#include "bench/compare_plan.h"
#include "bench/fio_nbd.h"
#include "bench/io_run.h"
#include "bench/iscsi_perf.h"
#include "bench/nbd_export.h"
#include "bench/raw_tcp.h"
#include "bench/scratch.h"
#include "bench/target_daemons.h"
#include "offload/registry.h"

namespace uiscsi::bench {
namespace {

// Set by SIGINT / SIGTERM during a run: the run stops after the current measurement and
// returns normally, so that the daemons are stopped and the LUN images (in memory, on
// tmpfs) removed by the destructors rather than left behind.
volatile sig_atomic_t g_interrupted = 0;

extern "C" void on_interrupt(int) { g_interrupted = 1; }

// Installs on_interrupt for SIGINT and SIGTERM while it lives.
class InterruptGuard {
 public:
  InterruptGuard() {
    g_interrupted = 0;
    struct sigaction action {};
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, &old_int_);
    ::sigaction(SIGTERM, &action, &old_term_);
  }
  ~InterruptGuard() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

// Everything a run has started; destroyed (processes killed, files removed) at the end.
struct Environment {
  std::optional<TempDir> dir;
  std::map<std::string, TargetDaemon> targets;  // "uiscsi-target", "tgtd"
  std::map<std::string, NbdExport> exports;     // "uiscsi-nbd", "qemu-nbd"
  std::map<std::string, std::string> unavailable;  // a target or export -> why it is missing
};

std::string scratch_base() {
  // tmpfs keeps the LUN images in memory for both targets alike.
  if (std::filesystem::is_directory("/dev/shm") && ::access("/dev/shm", W_OK) == 0) return "/dev/shm";
  const char* tmp = std::getenv("TMPDIR");
  return tmp && *tmp ? tmp : "/tmp";
}

Measurement from_io(const IoResult& r, const std::string& target_name) {
  Measurement m;
  m.error = r.error;
  m.seconds = r.seconds;
  m.iops = r.iops();
  m.mb_per_s = r.megabytes_per_second();
  m.latency = r.latency;
  m.client_cpu_s_per_gb = r.bytes ? std::optional(r.client_cpu_per_gb()) : std::nullopt;
  if (const auto t = r.target_cpu_per_gb()) m.daemon_cpu_s_per_gb[target_name] = *t;
  m.copied_per_delivered = r.copied_per_delivered();
  m.placement_hits = static_cast<double>(r.counters.placement_hits);
  m.path = std::string(offload::name(r.path.in_use));
  return m;
}

// Why `subject` cannot run `workload` here, or "" when it can.
std::string skip_reason(const Subject& subject, const CompareWorkload& workload, const Environment& env) {
  if (subject.client == ClientKind::iscsi_perf) {
    if (!find_program("iscsi-perf")) return "iscsi-perf not installed (package libiscsi-bin)";
    if (!workload.read) return "iscsi-perf only reads";
  }
  if (subject.client == ClientKind::fio_nbd) {
    if (!find_program("fio")) return "fio not installed (package fio)";
    if (const auto it = env.unavailable.find(subject.nbd_export); it != env.unavailable.end()) return it->second;
  }
  if (const auto it = env.unavailable.find(subject.target); it != env.unavailable.end()) return it->second;
  if (subject.client != ClientKind::fio_nbd) {
    const offload::Decision decision = offload::Registry::with_builtin_paths().decide(subject.path);
    if (decision.ec) return "path " + std::string(offload::name(subject.path)) + " unavailable: " + decision.error;
    const TargetDaemon& target = env.targets.at(subject.target);
    if (const auto path = offload::explicit_path(subject.path); path && !target.url(*path)) {
      return subject.target + " has no " + std::string(offload::name(subject.path)) + " portal";
    }
  }
  return "";
}

Measurement run_subject(const Subject& subject, const CompareWorkload& workload, Environment& env,
                        const CompareConfig& config) {
  TargetDaemon& target = env.targets.at(subject.target);
  if (!target.running()) {
    Measurement m;
    m.error = subject.target + " is no longer running (log: " + target.log_file() + ")";
    return m;
  }
  switch (subject.client) {
    case ClientKind::uiscsi_io: {
      IoConfig io;
      io.url = *target.url(*offload::explicit_path(subject.path));
      io.queue_depth = workload.queue_depth;
      io.block_size = workload.block_size;
      io.pattern = workload.random ? AccessPattern::random : AccessPattern::sequential;
      io.read_percent = workload.read ? 100 : 0;
      io.seconds = config.seconds;
      io.header_digest = io.data_digest = subject.digests;
      io.path = subject.path;
      io.target_pid = target.pid();
      std::ostringstream quiet;  // run_io's start line; the compare progress line says it
      return from_io(run_io(io, quiet), target.name());
    }
    case ClientKind::iscsi_perf: {
      IscsiPerfRun run;
      run.url = *target.url(offload::Path::tcp);
      run.queue_depth = workload.queue_depth;
      run.blocks = workload.block_size / 512;
      run.random = workload.random;
      run.seconds = config.seconds;
      run.daemons[target.name()] = target.pid();
      Measurement m = run_iscsi_perf(run);
      m.path = "tcp";
      return m;
    }
    case ClientKind::fio_nbd: {
      NbdExport& nbd = env.exports.at(subject.nbd_export);
      if (!nbd.process.running()) {
        Measurement m;
        m.error = subject.nbd_export + " is no longer running";
        return m;
      }
      FioNbdRun run;
      run.uri = nbd.uri();
      run.rw = std::string(workload.random ? "rand" : "") + (workload.read ? "read" : "write");
      run.block_size = workload.block_size;
      run.queue_depth = workload.queue_depth;
      run.seconds = config.seconds;
      run.daemons[target.name()] = target.pid();
      run.daemons[nbd.name] = nbd.process.pid();
      return run_fio_nbd(run);
    }
  }
  return {};
}

void start_environment(Environment& env, const CompareConfig& config, std::ostream& progress, std::string& error) {
  env.dir = TempDir::make(scratch_base(), error);
  if (!env.dir) return;
  const std::string target_binary = config.uiscsi_target.empty() ? sibling_tool("uiscsi-target") : config.uiscsi_target;
  if (target_binary.empty()) {
    error = "uiscsi-target not found beside uiscsi-bench nor on PATH (--uiscsi-target PATH)";
    return;
  }
  progress << "compare: starting uiscsi-target (" << target_binary << ")\n";
  auto uiscsi = start_uiscsi_target(target_binary, env.dir->path(), config.lun_bytes, error);
  if (!uiscsi) return;
  env.targets.emplace("uiscsi-target", std::move(*uiscsi));

  progress << "compare: starting tgtd\n";
  std::string why;
  if (auto tgtd = start_tgtd(env.dir->path(), config.lun_bytes, why)) {
    env.targets.emplace("tgtd", std::move(*tgtd));
  } else {
    env.unavailable["tgtd"] = why;
    progress << "compare: skipping tgtd: " << why << "\n";
  }

  const IscsiUrl lun = *env.targets.at("uiscsi-target").url(offload::Path::tcp);
  struct ExportSpec {
    std::string name;
    std::vector<std::string> argv;
    std::string missing;
  };
  const std::string nbd_binary = config.uiscsi_nbd.empty() ? sibling_tool("uiscsi-nbd") : config.uiscsi_nbd;
  const std::vector<ExportSpec> exports = {
      {"uiscsi-nbd", {nbd_binary}, nbd_binary.empty() ? "uiscsi-nbd is not built (tools/uiscsi-nbd)" : ""},
      {"qemu-nbd",
       {"qemu-nbd", "-f", "raw", "--cache=none", "-t"},
       find_program("qemu-nbd") ? "" : "qemu-nbd not installed (packages qemu-utils qemu-block-extra)"},
  };
  for (const ExportSpec& spec : exports) {
    if (!find_program("fio")) {
      env.unavailable[spec.name] = "fio not installed (package fio)";
      continue;
    }
    if (!spec.missing.empty()) {
      env.unavailable[spec.name] = spec.missing;
      progress << "compare: skipping " << spec.name << ": " << spec.missing << "\n";
      continue;
    }
    progress << "compare: starting " << spec.name << "\n";
    if (auto nbd = start_nbd_export(spec.name, spec.argv, lun, env.dir->path(), why)) {
      env.exports.emplace(spec.name, std::move(*nbd));
    } else {
      env.unavailable[spec.name] = why;
      progress << "compare: skipping " << spec.name << ": " << why << "\n";
    }
  }
}

std::string figure_line(const Measurement& m) {
  std::ostringstream s;
  if (!m.error.empty()) return "error: " + m.error;
  s << std::fixed << std::setprecision(0) << m.mb_per_s << " MB/s, " << m.iops << " IOPS";
  return s.str();
}

}  // namespace

std::string sibling_tool(const std::string& name) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const std::filesystem::path candidate = self.parent_path().parent_path() / name / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return find_program(name).value_or("");
}

CompareResult run_compare(const CompareConfig& config, std::ostream& progress) {
  CompareResult result;
  result.config = config;
  const InterruptGuard guard;
  const auto start = std::chrono::steady_clock::now();
  Environment env;
  start_environment(env, config, progress, result.error);
  if (!result.error.empty()) return result;

  for (const Subject& subject : compare_subjects()) {
    for (const CompareWorkload& workload : compare_workloads()) {
      Cell& cell = result.cells[subject.key][workload.name];
      cell.skipped = skip_reason(subject, workload, env);
    }
    const std::string& first = result.cells[subject.key].begin()->second.skipped;
    bool all_same = true;
    for (const auto& [name, cell] : result.cells[subject.key]) all_same = all_same && cell.skipped == first;
    if (!first.empty() && all_same) progress << "compare: skipping " << subject.key << ": " << first << "\n";
  }

  for (unsigned round = 1; round <= config.rounds && !g_interrupted; ++round) {
    const std::string tag = "[" + std::to_string(round) + "/" + std::to_string(config.rounds) + "] ";
    result.raw_tcp.push_back(run_raw_tcp(config.seconds));
    progress << "compare: " << tag << "raw TCP: " << figure_line(result.raw_tcp.back()) << "\n";
    for (const CompareWorkload& workload : compare_workloads()) {
      for (const Subject& subject : compare_subjects()) {
        Cell& cell = result.cells[subject.key][workload.name];
        if (!cell.skipped.empty() || g_interrupted) continue;
        cell.samples.push_back(run_subject(subject, workload, env, config));
        progress << "compare: " << tag << workload.name << " " << subject.key << ": "
                 << figure_line(cell.samples.back()) << "\n";
      }
    }
  }
  if (g_interrupted) {
    progress << "compare: interrupted; reporting what was measured\n";
    result.interrupted = true;
  }
  result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace uiscsi::bench
