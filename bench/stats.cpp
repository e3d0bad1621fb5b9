#include "bench/stats.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace uiscsi::bench {

Summary summarize(std::span<const double> samples) {
  std::vector<double> sorted(samples.begin(), samples.end());
  std::sort(sorted.begin(), sorted.end());
  const std::size_t n = sorted.size();
  // The median, not the mean: on a shared machine one preempted sample is common and
  // should not move the result.
  const double median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return {sorted.front(), median, sorted.back()};
}

double percentile(std::span<const double> sorted, double p) {
  const double n = static_cast<double>(sorted.size());
  // Nearest rank: ceil(p/100 * n), 1-based; rank 0 (p = 0) is the smallest sample.
  // (less a hair: 99.9% of 1000 is 999.0000000000001 in binary floating point)
  const double rank = std::ceil(std::clamp(p, 0.0, 100.0) / 100.0 * n - 1e-9);
  const std::size_t index = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

}  // namespace uiscsi::bench
