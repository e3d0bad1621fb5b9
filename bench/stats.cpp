#include "bench/stats.h"

#include <algorithm>
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

}  // namespace uiscsi::bench
