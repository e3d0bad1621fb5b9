// Summary statistics over repeated samples.
#pragma once

#include <span>

namespace uiscsi::bench {

struct Summary {
  double min = 0;
  double median = 0;
  double max = 0;
};

// Precondition: !samples.empty().
Summary summarize(std::span<const double> samples);

}  // namespace uiscsi::bench
