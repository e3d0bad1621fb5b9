// What the interop tests against tgtd share: the skip when tgtd is missing or this host
// cannot run the data path under test, and that data path (issue 5: the suite on every
// path). ctest runs each group once per path ("initiator: tgtd login placement") with
// UISCSI_OFFLOAD=tcp|placement|smc; unset, tcp.
#pragma once

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <string>

#include "initiator/connector.h"
#include "offload/path.h"
#include "tgtd.h"

namespace uiscsi::initiator::test {

// The path UISCSI_OFFLOAD names (tcp when unset), as an explicit policy. A name that is
// no single path ("auto" included: nothing to compare with) throws std::invalid_argument,
// so that a misconfigured test does not quietly run on tcp.
offload::Policy tested_policy();

// Why this host and build cannot run tested_policy() (the registry's reason, e.g. "smc:
// kernel has no AF_SMC"); empty when it can.
std::string tested_path_unavailable();

// A connector on tested_policy(). Every connection it makes, reconnections included, must
// report that path in use with no fallback reason, or the current test case fails (a
// silent fallback to another path is a failure, not a pass on the wrong path).
Connector tested_connector(boost::asio::io_context& io);

}  // namespace uiscsi::initiator::test

// Returns from a tgtd test case with a "SKIPPED:" warning, which ctest reads as a skip
// (SKIP_REGULAR_EXPRESSION in tests/CMakeLists.txt).
#define SKIP_WITHOUT_TGTD()                                                           \
  if (!::uiscsi::initiator::test::Tgtd::available()) {                                \
    WARN("SKIPPED: tgtd/tgtadm not found (package tgt)");                             \
    return;                                                                           \
  }                                                                                   \
  if (const std::string why = ::uiscsi::initiator::test::tested_path_unavailable();   \
      !why.empty()) {                                                                 \
    WARN("SKIPPED: the data path under test cannot run here: " << why);               \
    return;                                                                           \
  }
