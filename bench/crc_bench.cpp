#include "bench/crc_bench.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <span>

#include "bench/crc_baseline.h"
#include "bench/timing.h"
#include "crc/crc32c.h"

namespace uiscsi::bench {
namespace {

namespace crc = uiscsi::crc;

struct Case {
  std::string_view name;
  bool available;
  // Processes src (memcpy copies it to dst) and returns a value for do_not_optimize:
  // the CRC for the CRC cases.
  std::uint32_t (*run)(std::span<const std::byte> src, std::byte* dst);
  bool computes_crc;
};

std::vector<Case> make_cases() {
  const bool sse42 = crc::available(crc::Engine::sse42);
  return {
      {"slice8", true,
       [](std::span<const std::byte> s, std::byte*) { return crc::crc32c(crc::Engine::slice8, s); },
       true},
      {"sse42", sse42,
       [](std::span<const std::byte> s, std::byte*) { return crc::crc32c(crc::Engine::sse42, s); },
       true},
      {"sse42_1way", sse42,
       [](std::span<const std::byte> s, std::byte*) { return crc32c_sse42_1way(s); }, true},
      {"isal", true,
       [](std::span<const std::byte> s, std::byte*) { return crc::crc32c(crc::Engine::isal, s); },
       true},
      {"auto", true, [](std::span<const std::byte> s, std::byte*) { return crc::crc32c(s); }, true},
      {"memcpy", true,
       [](std::span<const std::byte> s, std::byte* d) {
         std::memcpy(d, s.data(), s.size());
         return std::uint32_t{0};
       },
       false},
  };
}

// A 64-byte aligned buffer, so every case starts at the same (best) alignment.
struct AlignedBuffer {
  struct Free {
    void operator()(std::byte* p) const { ::operator delete[](p, std::align_val_t{64}); }
  };
  explicit AlignedBuffer(std::size_t n)
      : bytes(static_cast<std::byte*>(::operator new[](n, std::align_val_t{64}))), size(n) {}
  std::unique_ptr<std::byte[], Free> bytes;
  std::size_t size;
};

}  // namespace

std::optional<double> CrcBenchReport::median(std::string_view case_name,
                                              std::size_t size_index) const {
  const auto it = std::find(cases.begin(), cases.end(), case_name);
  if (it == cases.end()) return std::nullopt;
  const auto& cell = gbps[static_cast<std::size_t>(it - cases.begin())][size_index];
  if (!cell) return std::nullopt;
  return cell->median;
}

std::optional<CrcBenchReport> run_crc_bench(const CrcBenchConfig& config, std::ostream& err) {
  const std::vector<Case> cases = make_cases();
  const std::size_t largest = *std::max_element(config.sizes.begin(), config.sizes.end());
  AlignedBuffer src(largest);
  AlignedBuffer dst(largest);
  std::mt19937_64 rng(42);
  for (std::size_t i = 0; i < largest; ++i) src.bytes[i] = static_cast<std::byte>(rng());
  std::memset(dst.bytes.get(), 0, largest);

  // Never time code that computes the wrong thing.
  for (std::size_t size : config.sizes) {
    const std::span<const std::byte> data(src.bytes.get(), size);
    const std::uint32_t expected = crc::crc32c(crc::Engine::slice8, data);
    for (const Case& c : cases) {
      if (c.available && c.computes_crc && c.run(data, dst.bytes.get()) != expected) {
        err << "uiscsi-bench crc: " << c.name << " disagrees with slice8 at " << size << " bytes\n";
        return std::nullopt;
      }
    }
  }

  const auto runnable = static_cast<std::size_t>(
      std::count_if(cases.begin(), cases.end(), [](const Case& c) { return c.available; }));
  const double sample_seconds =
      config.seconds / static_cast<double>(static_cast<std::size_t>(config.repetitions) *
                                           config.sizes.size() * runnable);

  // iterations[case][size], calibrated once so that each sample lasts sample_seconds.
  std::vector<std::vector<std::size_t>> iterations(cases.size(),
                                                   std::vector<std::size_t>(config.sizes.size()));
  std::vector<std::vector<std::vector<double>>> samples(
      cases.size(), std::vector<std::vector<double>>(config.sizes.size()));
  const auto op_for = [&](const Case& c, std::size_t size) {
    return [&c, &src, &dst, size] {
      do_not_optimize(c.run({src.bytes.get(), size}, dst.bytes.get()));
    };
  };
  for (std::size_t ci = 0; ci < cases.size(); ++ci)
    if (cases[ci].available)
      for (std::size_t si = 0; si < config.sizes.size(); ++si)
        iterations[ci][si] = calibrate_iterations(op_for(cases[ci], config.sizes[si]), sample_seconds);

  // Interleaved: every repetition visits every (size, case), starting at a different case
  // each time, so drift in clock speed or load spreads over all of them alike.
  for (int rep = 0; rep < config.repetitions; ++rep) {
    for (std::size_t si = 0; si < config.sizes.size(); ++si) {
      for (std::size_t k = 0; k < cases.size(); ++k) {
        const std::size_t ci = (k + static_cast<std::size_t>(rep)) % cases.size();
        if (!cases[ci].available) continue;
        const std::size_t n = iterations[ci][si];
        const double seconds = time_iterations(op_for(cases[ci], config.sizes[si]), n);
        samples[ci][si].push_back(static_cast<double>(n * config.sizes[si]) / seconds / 1e9);
      }
    }
  }

  CrcBenchReport report{config, crc::name(crc::best_engine()), {}, {}};
  for (std::size_t ci = 0; ci < cases.size(); ++ci) {
    report.cases.push_back(cases[ci].name);
    auto& row = report.gbps.emplace_back(config.sizes.size());
    if (cases[ci].available)
      for (std::size_t si = 0; si < config.sizes.size(); ++si) row[si] = summarize(samples[ci][si]);
  }
  return report;
}

CrcRatios crc_ratios(const CrcBenchReport& report) {
  const auto ratio = [](std::optional<double> a, std::optional<double> b) -> std::optional<double> {
    if (!a || !b || *b <= 0) return std::nullopt;
    return *a / *b;
  };
  CrcRatios r;
  for (std::size_t si = 0; si < report.config.sizes.size(); ++si) {
    std::optional<double> best;
    for (std::string_view engine : {"slice8", "sse42", "isal"})
      if (const auto m = report.median(engine, si); m && (!best || *m > *best)) best = m;
    r.isal_over_memcpy.push_back(ratio(report.median("isal", si), report.median("memcpy", si)));
    r.auto_over_best.push_back(ratio(report.median("auto", si), best));
    r.sse42_over_1way.push_back(ratio(report.median("sse42", si), report.median("sse42_1way", si)));
  }
  return r;
}

}  // namespace uiscsi::bench
