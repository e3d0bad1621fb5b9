#include <algorithm>
#include <catch2/catch.hpp>
#include <vector>

#include "bench/stats.h"

namespace uiscsi::bench {

TEST_CASE("percentiles are nearest-rank samples", "[stats]") {
  std::vector<double> v;
  for (int i = 1; i <= 1000; ++i) v.push_back(i);
  CHECK(percentile(v, 50) == 500);
  CHECK(percentile(v, 99) == 990);
  CHECK(percentile(v, 99.9) == 999);
  CHECK(percentile(v, 100) == 1000);
  CHECK(percentile(v, 0) == 1);

  const std::vector<double> one = {42};
  CHECK(percentile(one, 50) == 42);
  CHECK(percentile(one, 99.9) == 42);

  // Few samples: p99.9 of ten is the largest, never a value between samples.
  std::vector<double> ten = {5, 1, 9, 3, 7, 2, 8, 4, 6, 10};
  std::sort(ten.begin(), ten.end());
  CHECK(percentile(ten, 50) == 5);
  CHECK(percentile(ten, 99.9) == 10);
}

TEST_CASE("summary: min, median and max; even counts average the middle pair", "[stats]") {
  const std::vector<double> odd = {3, 1, 2};
  const Summary a = summarize(odd);
  CHECK(a.min == 1);
  CHECK(a.median == 2);
  CHECK(a.max == 3);
  const std::vector<double> even = {4, 1, 3, 2};
  CHECK(summarize(even).median == 2.5);
  const std::vector<double> outlier = {100, 101, 99, 5};  // one preempted sample
  CHECK(summarize(outlier).median == 99.5);
}

}  // namespace uiscsi::bench
