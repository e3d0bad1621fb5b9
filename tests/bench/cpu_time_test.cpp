#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>

#include "bench/cpu_time.h"
#include "bench/timing.h"

namespace uiscsi::bench {

TEST_CASE("/proc/PID/stat: utime and stime, whatever the command name holds", "[cpu]") {
  // proc(5): pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
  // cmajflt utime stime ...
  const auto plain = parse_proc_stat("4242 (tgtd) S 1 4242 4242 0 -1 4194560 120 0 0 0 357 1024 0 0 20 0 1 0");
  REQUIRE(plain);
  CHECK(plain->utime == 357);
  CHECK(plain->stime == 1024);

  // A comm with spaces and parentheses: only the last ')' ends it.
  const auto odd = parse_proc_stat("77 (a) b (c) d) R 1 77 77 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0\n");
  REQUIRE(odd);
  CHECK(odd->utime == 5);
  CHECK(odd->stime == 6);

  CHECK_FALSE(parse_proc_stat(""));
  CHECK_FALSE(parse_proc_stat("12 tgtd S 1 2 3"));
  CHECK_FALSE(parse_proc_stat("12 (tgtd) S 1 2 3 4 5 6 7 8 9 10"));  // cut short
  CHECK_FALSE(parse_proc_stat("12 (tgtd) S 1 2 3 4 5 6 7 8 9 10 x 12 13"));
}

TEST_CASE("/proc/PID/stat of this process agrees with getrusage and grows with work", "[cpu]") {
  std::ifstream in("/proc/self/stat");
  const std::string line((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(parse_proc_stat(line));

  const auto before = process_cpu_seconds(::getpid());
  REQUIRE(before);
  const double thread_before = thread_rusage_seconds();
  // Burn about 50 ms of CPU.
  const double start = thread_cpu_seconds();
  std::uint64_t x = 1;
  while (thread_cpu_seconds() - start < 0.05) {
    for (int i = 0; i < 10000; ++i) x = x * 6364136223846793005ull + 1442695040888963407ull;
    do_not_optimize(x);
  }
  const auto after = process_cpu_seconds(::getpid());
  REQUIRE(after);
  CHECK(*after >= *before);
  CHECK(thread_rusage_seconds() > thread_before);
  CHECK(self_rusage_seconds() >= thread_rusage_seconds());
  CHECK_FALSE(process_cpu_seconds(-1));
}

}  // namespace uiscsi::bench
