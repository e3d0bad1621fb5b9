// The ceiling: one TCP stream over loopback, a sender thread writing 1 MiB at a time and
// a receiver thread reading into a 1 MiB buffer, in this process. No protocol, no
// storage: what the kernel's loopback moves on this machine right now.
#pragma once

#include "bench/measurement.h"

namespace uiscsi::bench {

// Runs for `seconds`. The CPU figure is both threads' (sender and receiver) per GB.
Measurement run_raw_tcp(double seconds);

}  // namespace uiscsi::bench
