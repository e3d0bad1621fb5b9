// Summary statistics over repeated samples.
#pragma once

#include <span>
#include <vector>

namespace uiscsi::bench {

struct Summary {
  double min = 0;
  double median = 0;
  double max = 0;
};

// Precondition: !samples.empty().
Summary summarize(std::span<const double> samples);

// The p-th percentile (0 <= p <= 100) of `sorted` (ascending), nearest-rank: the smallest
// sample with at least p% of the samples at or below it, so p99.9 of 1000 samples is the
// largest but one and never a value that was not measured. Precondition: !sorted.empty().
double percentile(std::span<const double> sorted, double p);

}  // namespace uiscsi::bench
