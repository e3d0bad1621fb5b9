// Timing primitives for micro-benchmarks.
#pragma once

#include <time.h>

#include <cstddef>

namespace uiscsi::bench {

// Makes the compiler assume `value` is read and all memory may be read or written, so a
// result that is otherwise unused, or a store nobody loads, is not optimised away.
template <class T>
inline void do_not_optimize(const T& value) {
  asm volatile("" : : "r,m"(value) : "memory");
}

// CPU time consumed by the calling thread. Benchmarks time single-threaded, CPU-bound
// work with it so that, on a machine shared with builds, the time other processes hold
// the core is not charged to the code under test.
inline double thread_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Thread CPU seconds taken by `iterations` calls of `op`.
template <class Op>
double time_iterations(Op&& op, std::size_t iterations) {
  const double start = thread_cpu_seconds();
  for (std::size_t i = 0; i < iterations; ++i) op();
  return thread_cpu_seconds() - start;
}

// How many calls of `op` take about `target_seconds`. Doubles a trial run until it lasts
// long enough to time, which also warms caches and branch predictors.
template <class Op>
std::size_t calibrate_iterations(Op&& op, double target_seconds) {
  constexpr double kMinTrialSeconds = 0.002;
  std::size_t trial = 1;
  double elapsed = time_iterations(op, trial);
  while (elapsed < kMinTrialSeconds) {
    trial *= 2;
    elapsed = time_iterations(op, trial);
  }
  const double per_call = elapsed / static_cast<double>(trial);
  const auto n = static_cast<std::size_t>(target_seconds / per_call);
  return n > 0 ? n : 1;
}

}  // namespace uiscsi::bench
