// uiscsi's initiator against uiscsi-target on the placement path with a flow table of one
// entry (offload::TransportOptions::expectation_capacity) at QD16: each new read evicts
// the expectation of the one before, so Data-In arrives for tasks the table no longer
// holds and is copied instead of placed. Placement is best-effort: every byte read back
// must still equal what was written, and the counters must show the evictions and misses.
// Hidden from the unit run ([.uiscsi_target]); ctest runs it with UISCSI_TARGET set.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <vector>

#include "helpers.h"
#include "uiscsi_target.h"
#include "initiator/scsi_retry.h"
#include "initiator/session.h"
#include "iscsi/scsi_cdb_build.h"
#include "iscsi/scsi_lun.h"
#include "offload/registry.h"

namespace uiscsi::initiator {
using test::run;
using test::UiscsiTarget;
namespace asio = boost::asio;

TEST_CASE("uiscsi-target: a one-entry flow table at QD16 evicts and misses, and the data verifies",
          "[.uiscsi_target][placement]") {
  SKIP_WITHOUT_UISCSI_TARGET();
  UiscsiTarget target({.iqn = "iqn.2026-11.org.uiscsi:flow-table", .offload = "placement", .max_connections = 1});
  asio::io_context io;
  const SessionConfig config = target.session_config("iqn.2026-11.org.uiscsi:flow-table-test");
  offload::TransportOptions options;
  options.expectation_capacity = 1;
  SessionOpen o = run(io, Session::open(io, config,
                                        make_connector(io, offload::Registry::with_builtin_paths(),
                                                       offload::Policy::placement, options)));
  INFO(o.error << "\n" << target.log());
  REQUIRE(o.session);
  Session& session = *o.session;
  REQUIRE(session.info().path.in_use == offload::Path::placement);

  constexpr std::size_t kQd = 16, kRounds = 4, kIo = 256 * 1024, kBlocks = kIo / 512;
  const std::uint64_t lun = *iscsi::scsi::encode_lun(0);
  const std::vector<std::byte> written = test::random_bytes(kQd * kRounds * kIo, 42);
  std::vector<std::byte> read_back(written.size());
  // One request per slot of the queue, each over its own 256 KiB of the LUN.
  auto io_one = [&](std::size_t index, bool write) {
    std::byte* base = write ? const_cast<std::byte*>(written.data()) : read_back.data();
    return test::transfer_16(session, lun, write, index * kBlocks, {base + index * kIo, kIo});
  };
  for (const bool write : {true, false}) {
    for (std::size_t round = 0; round < kRounds; ++round) {
      std::vector<asio::awaitable<void>> tasks;
      for (std::size_t i = 0; i < kQd; ++i) tasks.push_back(io_one(round * kQd + i, write));
      test::run_all(io, std::move(tasks));
    }
  }
  const auto [a, b] = std::mismatch(written.begin(), written.end(), read_back.begin());
  INFO("first difference at byte " << (a - written.begin()));
  CHECK(a == written.end());

  const offload::Counters c = session.info().counters;
  INFO("evictions " << c.expectation_evictions << ", misses " << c.placement_misses << ", hits "
                    << c.placement_hits << ", placed " << c.bytes_placed << ", copied " << c.bytes_copied
                    << ", owned " << c.bytes_owned);
  CHECK(c.expectation_evictions > 0);
  CHECK(c.placement_misses > 0);
  // What missed was delivered in owned buffers and copied by the session; what hit was placed.
  CHECK(c.bytes_owned > 0);
  CHECK(c.bytes_placed + c.bytes_copied + c.bytes_owned >= written.size());
  CHECK_FALSE(run(io, session.logout()));
  test::drain(io);
}

}  // namespace uiscsi::initiator
