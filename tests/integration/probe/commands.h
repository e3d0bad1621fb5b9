// The subcommands of uiscsi-probe. Each returns the exit status: 0 when what it observed is
// what the test expects, 1 otherwise, 2 for a usage error. Each prints one line per
// observation, for the test log.
#pragma once

#include "probe/options.h"

namespace uiscsi::probe {

// login --expect ok|closed|0xCCDD[,...]: logs in (then out) and compares the outcome.
int run_login(const Options& options);
// hostile CASE: a misbehaving client; see hostile.cpp for the cases and what is accepted.
int run_hostile(const Options& options);
// read-loop --seconds S [--stop-file F]: reads until S seconds have passed (or F exists);
// fails on any failed read.
int run_read_loop(const Options& options);
// write-log --log FILE --count N [--fua | --sync-every K]: numbered blocks; every write the
// target acknowledged as durable is appended to FILE. Stops at N or when the target goes.
int run_write_log(const Options& options);
// verify-log --log FILE: every block listed in FILE holds its numbered pattern.
int run_verify_log(const Options& options);

}  // namespace uiscsi::probe
