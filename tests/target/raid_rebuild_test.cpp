#include <catch2/catch.hpp>

#include <random>
#include <thread>

#include "raid_test_support.h"
#include "target/backend/raid/raid_error.h"

namespace uiscsi::target::raid {
namespace {

using test::Shadow;

constexpr std::uint64_t kDisk = 4 * 1024 * 1024;
constexpr std::uint64_t kChunk = 16 * 1024;

void fill(Backend& v, Shadow& shadow, std::uint64_t seed) {
  const std::uint64_t step = 777;
  for (std::uint64_t lba = 0; lba < v.geometry().block_count; lba += step) {
    REQUIRE_FALSE(shadow.write(v, lba, std::min(step, v.geometry().block_count - lba), seed + lba));
  }
}

std::error_code scrub_clean(RaidBackend& v, std::uint64_t& mismatches) {
  ScrubReport report;
  auto ec = v.scrub(false, report);
  mismatches = report.mismatched_rows;
  return ec;
}

TEST_CASE("raid rebuild: a hot spare replaces a failed member and the data is whole", "[raid][rebuild]") {
  for (auto level : {Level::raid1, Level::raid5, Level::raid6, Level::raid10}) {
    DYNAMIC_SECTION(level_name(level)) {
      auto disks = test::make_disks(5, kDisk);  // four slots and a spare
      auto v = test::create_volume(disks, level, 4, kChunk);
      Shadow shadow(v->geometry());
      fill(*v, shadow, 1);
      REQUIRE_FALSE(v->fail_member(1));
      REQUIRE_FALSE(v->wait_for_rebuild());

      const VolumeStatus st = v->status();
      CHECK_FALSE(st.degraded);
      CHECK(st.members[4].role == 1);
      CHECK(st.members[4].state == DeviceState::in_sync);
      CHECK(st.members[1].state == DeviceState::faulty);
      std::uint64_t mismatches = 99;
      REQUIRE_FALSE(scrub_clean(*v, mismatches));
      CHECK(mismatches == 0);
      // The rebuilt member carries real data: lose a neighbour and read everything.
      REQUIRE_FALSE(v->fail_member(level == Level::raid10 ? 0 : 2));
      std::error_code ec;
      CHECK(shadow.verify_all(*v, ec) == -1);
      CHECK_FALSE(ec);
    }
  }
}

TEST_CASE("raid rebuild: runs in the background under writes, rate-limited, with progress", "[raid][rebuild]") {
  auto disks = test::make_disks(4, kDisk);
  RuntimeOptions runtime = test::test_runtime();
  runtime.rebuild_mb_per_s = 6;  // 3 MiB to rebuild: about half a second
  auto v = test::create_volume(disks, Level::raid5, 4, kChunk, runtime);
  Shadow shadow(v->geometry());
  fill(*v, shadow, 2);
  REQUIRE_FALSE(v->fail_member(3));
  REQUIRE_FALSE(v->remove_member(3));
  CHECK(v->status().members.size() == 3);
  auto fresh = test::make_disk(kDisk);
  REQUIRE_FALSE(v->add_member(test::handle(fresh, "new")));

  std::atomic<int> errors{0};
  std::mt19937_64 rng(9);
  const auto start = std::chrono::steady_clock::now();
  bool saw_progress = false;
  for (int i = 0; i < 200; ++i) {
    const std::uint64_t blocks = 1 + rng() % 300;
    const std::uint64_t lba = rng() % (v->geometry().block_count - blocks);
    if (shadow.write(*v, lba, blocks, rng())) ++errors;
    const RebuildProgress p = v->rebuild_progress();
    if (p.active && p.rows_done > 0 && p.rows_done < p.rows_total) saw_progress = true;
  }
  REQUIRE_FALSE(v->wait_for_rebuild());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(errors == 0);
  CHECK(saw_progress);
  CHECK(seconds > 0.3);  // the limit held it back
  CHECK(v->status().members[3].name == "new");
  CHECK(v->status().members[3].state == DeviceState::in_sync);
  std::uint64_t mismatches = 99;
  REQUIRE_FALSE(scrub_clean(*v, mismatches));
  CHECK(mismatches == 0);
  REQUIRE_FALSE(v->fail_member(0));
  std::error_code ec;
  CHECK(shadow.verify_all(*v, ec) == -1);
}

TEST_CASE("raid rebuild: RAID 6 rebuilds two new members at once", "[raid][rebuild]") {
  auto disks = test::make_disks(6, kDisk);
  auto v = test::create_volume(disks, Level::raid6, 6, kChunk);
  Shadow shadow(v->geometry());
  fill(*v, shadow, 3);
  REQUIRE_FALSE(v->fail_member(1));
  REQUIRE_FALSE(v->fail_member(4));
  REQUIRE_FALSE(v->add_member(test::handle(test::make_disk(kDisk), "a")));
  REQUIRE_FALSE(v->add_member(test::handle(test::make_disk(kDisk), "b")));
  REQUIRE_FALSE(v->wait_for_rebuild());
  std::uint64_t mismatches = 99;
  REQUIRE_FALSE(scrub_clean(*v, mismatches));
  CHECK(mismatches == 0);
  REQUIRE_FALSE(v->fail_member(0));
  REQUIRE_FALSE(v->fail_member(2));
  std::error_code ec;
  CHECK(shadow.verify_all(*v, ec) == -1);
}

TEST_CASE("raid rebuild: an interrupted rebuild resumes from its checkpoint after reassembly", "[raid][rebuild]") {
  auto disks = test::make_disks(5, kDisk);
  RuntimeOptions slow = test::test_runtime();
  slow.rebuild_mb_per_s = 4;
  auto v = test::create_volume(disks, Level::raid6, 4, kChunk, slow);
  Shadow shadow(v->geometry());
  fill(*v, shadow, 4);
  REQUIRE_FALSE(v->fail_member(2));
  // Let it get somewhere, then shut down in the middle.
  while (v->rebuild_progress().rows_done < 40) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE_FALSE(v->close());
  v.reset();

  std::vector<std::string> messages;
  std::error_code ec;
  auto paused = test::test_runtime();
  paused.auto_rebuild = false;
  auto again = RaidBackend::assemble(test::handles(disks), paused, messages, ec);
  REQUIRE(again);
  const VolumeStatus st = again->status();
  CHECK(st.degraded);
  CHECK(st.members[4].state == DeviceState::rebuilding);
  CHECK(st.members[4].rebuilt_rows >= 40);
  CHECK(st.members[4].rebuilt_rows < st.rebuild.rows_total);
  CHECK(shadow.verify_all(*again, ec) == -1);  // rows above the watermark reconstruct
  again->start_rebuild();
  REQUIRE_FALSE(again->wait_for_rebuild());
  CHECK_FALSE(again->status().degraded);
  std::uint64_t mismatches = 99;
  REQUIRE_FALSE(scrub_clean(*again, mismatches));
  CHECK(mismatches == 0);
}

}  // namespace
}  // namespace uiscsi::target::raid
