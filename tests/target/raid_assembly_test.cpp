#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "backend_test_support.h"
#include "raid_test_support.h"
#include "target/backend/file_backend.h"
#include "target/backend/raid/raid_error.h"

namespace uiscsi::target::raid {
namespace {

using test::Shadow;

constexpr std::uint64_t kDisk = 4 * 1024 * 1024;
constexpr std::uint64_t kChunk = 16 * 1024;

bool any_message(const std::vector<std::string>& messages, const std::string& needle) {
  return std::any_of(messages.begin(), messages.end(), [&](const std::string& m) { return m.find(needle) != std::string::npos; });
}

TEST_CASE("raid assembly: members in any order", "[raid][assembly]") {
  auto disks = test::make_disks(5, kDisk);
  auto v = test::create_volume(disks, Level::raid6, 5, kChunk);
  Shadow shadow(v->geometry());
  REQUIRE_FALSE(shadow.write(*v, 0, v->geometry().block_count, 1));
  const Uuid uuid = v->status().uuid;
  REQUIRE_FALSE(v->close());
  v.reset();

  std::vector<std::size_t> order{0, 1, 2, 3, 4};
  std::mt19937 rng(5);
  for (int round = 0; round < 4; ++round) {
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<MemberDevice> members;
    for (auto i : order) members.push_back(test::handle(disks[i], "d" + std::to_string(i)));
    std::vector<std::string> messages;
    std::error_code ec;
    auto again = RaidBackend::assemble(std::move(members), test::test_runtime(), messages, ec);
    REQUIRE(again);
    const VolumeStatus st = again->status();
    CHECK(st.uuid == uuid);
    CHECK_FALSE(st.degraded);
    for (const auto& m : st.members) CHECK(m.name == "d" + std::to_string(m.role));  // slots follow the disks
    CHECK(shadow.verify_all(*again, ec) == -1);
    REQUIRE_FALSE(again->close());
  }
}

TEST_CASE("raid assembly: a member of another volume is refused", "[raid][assembly]") {
  auto a = test::make_disks(3, kDisk);
  auto b = test::make_disks(3, kDisk);
  test::create_volume(a, Level::raid5, 3, kChunk)->close();
  const Uuid other = [&] {
    auto v = test::create_volume(b, Level::raid5, 3, kChunk);
    return v->status().uuid;
  }();
  auto members = test::handles(a);
  members.push_back(test::handle(b[0], "intruder"));
  std::vector<std::string> messages;
  std::error_code ec;
  CHECK_FALSE(RaidBackend::assemble(std::move(members), test::test_runtime(), messages, ec));
  CHECK(ec == raid_errc::foreign_member);
  CHECK(any_message(messages, "intruder: belongs to volume " + other.to_string()));

  // A blank disk is no member at all, and the same disk twice is one member.
  members = test::handles(a);
  members.push_back(test::handle(test::make_disk(kDisk), "blank"));
  CHECK_FALSE(RaidBackend::assemble(std::move(members), test::test_runtime(), messages, ec));
  CHECK(ec == raid_errc::not_a_member);
  CHECK(any_message(messages, "blank: cannot use it: no uiscsi RAID superblock"));
  members = test::handles(a);
  members.push_back(test::handle(a[1], "again"));
  CHECK_FALSE(RaidBackend::assemble(std::move(members), test::test_runtime(), messages, ec));
  CHECK(ec == raid_errc::duplicate_member);

  // Nothing was written by the refusals: the volume still assembles.
  CHECK(RaidBackend::assemble(test::handles(a), test::test_runtime(), messages, ec));
}

TEST_CASE("raid assembly: a stale member is left out, and rebuilt when added back", "[raid][assembly]") {
  auto disks = test::make_disks(4, kDisk);
  auto v = test::create_volume(disks, Level::raid5, 4, kChunk);
  Shadow shadow(v->geometry());
  REQUIRE_FALSE(shadow.write(*v, 0, 4000, 1));
  REQUIRE_FALSE(v->fail_member(2));
  REQUIRE_FALSE(shadow.write(*v, 100, 4000, 2));  // d2 misses this
  REQUIRE_FALSE(v->close());
  v.reset();

  std::vector<std::string> messages;
  std::error_code ec;
  auto again = RaidBackend::assemble(test::handles(disks), test::test_runtime(), messages, ec);
  REQUIRE(again);
  CHECK(any_message(messages, "d2: stale (event count"));
  VolumeStatus st = again->status();
  CHECK(st.degraded);
  CHECK_FALSE(st.members[2].present);
  CHECK(shadow.verify_all(*again, ec) == -1);

  REQUIRE_FALSE(again->add_member(test::handle(disks[2], "d2")));
  REQUIRE_FALSE(again->wait_for_rebuild());
  st = again->status();
  CHECK_FALSE(st.degraded);
  CHECK(st.members.size() == 4);  // its old table entry, not a new one
  CHECK(st.members[2].name == "d2");
  CHECK(st.members[2].state == DeviceState::in_sync);
  ScrubReport report;
  REQUIRE_FALSE(again->scrub(false, report));
  CHECK(report.mismatched_rows == 0);
  REQUIRE_FALSE(again->fail_member(0));
  CHECK(shadow.verify_all(*again, ec) == -1);

  // A member of another volume is only taken over when asked to.
  auto foreign = test::make_disks(3, kDisk);
  test::create_volume(foreign, Level::raid5, 3, kChunk)->close();
  CHECK(again->add_member(test::handle(foreign[0], "f")) == raid_errc::foreign_member);
  CHECK_FALSE(again->add_member(test::handle(foreign[0], "f"), true));
}

TEST_CASE("raid assembly: too few members, and a crashed degraded volume", "[raid][assembly]") {
  auto disks = test::make_disks(4, kDisk);
  auto v = test::create_volume(disks, Level::raid5, 4, kChunk);
  REQUIRE_FALSE(v->close());
  v.reset();
  std::vector<std::string> messages;
  std::error_code ec;
  CHECK_FALSE(RaidBackend::assemble(test::pick(disks, {0, 1}), test::test_runtime(), messages, ec));
  CHECK(ec == raid_errc::too_many_missing);
  CHECK(any_message(messages, "is missing"));

  // Crash: the volume is dropped while dirty (writes after the "power cut" are lost).
  v = RaidBackend::assemble(test::handles(disks), test::test_runtime(), messages, ec);
  REQUIRE(v);
  Shadow shadow(v->geometry());
  REQUIRE_FALSE(shadow.write(*v, 0, 500, 3));
  for (auto& d : disks) d->drop_writes = true;
  v.reset();
  for (auto& d : disks) d->drop_writes = false;

  messages.clear();
  CHECK_FALSE(RaidBackend::assemble(test::pick(disks, {0, 1, 3}), test::test_runtime(), messages, ec));
  CHECK(ec == raid_errc::dirty_degraded);
  CHECK(any_message(messages, "not shut down cleanly and is degraded"));

  RuntimeOptions forced = test::test_runtime();
  forced.force = true;
  auto started = RaidBackend::assemble(test::pick(disks, {0, 1, 3}), forced, messages, ec);
  REQUIRE(started);
  CHECK(any_message(messages, "degraded rows left as they were"));
  // Nothing was torn here (every write completed before the cut), so the data is intact.
  CHECK(shadow.verify_all(*started, ec) == -1);
}

TEST_CASE("raid assembly: file members, created sparse, reassembled in reverse order", "[raid][assembly]") {
  target::test::TempDir dir;
  std::vector<std::filesystem::path> paths;
  std::vector<MemberDevice> members;
  for (int i = 0; i < 3; ++i) {
    paths.push_back(dir / ("m" + std::to_string(i) + ".img"));
    std::error_code ec;
    auto f = FileBackend::open({paths.back(), 512, 3 * 1024 * 1024, false}, ec);
    REQUIRE(f);
    members.push_back({paths.back().string(), std::move(f)});
  }
  CreateOptions o;
  o.level = Level::raid5;
  o.raid_devices = 3;
  o.chunk_bytes = 32 * 1024;
  std::error_code ec;
  auto v = RaidBackend::create(std::move(members), o, test::test_runtime(), ec);
  REQUIRE(v);
  Shadow shadow(v->geometry());
  REQUIRE_FALSE(shadow.write(*v, 10, 3000, 8));
  REQUIRE_FALSE(v->close());
  v.reset();

  members.clear();
  for (int i = 2; i >= 0; --i) {
    auto f = FileBackend::open({paths[i], 512, 0, false}, ec);
    REQUIRE(f);
    members.push_back({paths[i].string(), std::move(f)});
  }
  std::vector<std::string> messages;
  auto again = RaidBackend::assemble(std::move(members), test::test_runtime(), messages, ec);
  REQUIRE(again);
  CHECK(shadow.verify_all(*again, ec) == -1);
  CHECK(again->features().volatile_write_cache);
}

}  // namespace
}  // namespace uiscsi::target::raid
