#include <catch2/catch.hpp>

#include <set>

#include "target/backend/raid/layout.h"
#include "target/backend/raid/raid_error.h"

namespace uiscsi::target::raid {
namespace {

TEST_CASE("layout: RAID 5 is md's left-symmetric", "[raid][layout]") {
  // md, 4 disks, left-symmetric (rows 0..3): P walks from the last disk backwards and the
  // data follows P, wrapping:
  //   row 0: D0 D1 D2 P      row 1: D4 D5 P  D3
  //   row 2: D8 P  D6 D7     row 3: P  D9 D10 D11
  const Layout l(Level::raid5, 4, 8, 16);
  CHECK(l.disk_of(0, 3) == 3);  // P
  CHECK(l.disk_of(0, 0) == 0);
  CHECK(l.disk_of(1, 3) == 2);
  CHECK(l.disk_of(1, 0) == 3);  // D3
  CHECK(l.disk_of(1, 1) == 0);  // D4
  CHECK(l.disk_of(2, 3) == 1);
  CHECK(l.disk_of(2, 0) == 2);  // D6
  CHECK(l.disk_of(3, 3) == 0);
  CHECK(l.disk_of(3, 0) == 1);  // D9
  CHECK(l.capacity_blocks() == 16 * 3 * 8);
}

TEST_CASE("layout: every parity row uses each disk once and unit_of inverts disk_of", "[raid][layout]") {
  for (auto level : {Level::raid0, Level::raid5, Level::raid6}) {
    for (std::uint32_t n = 4; n <= 7; ++n) {
      const Layout l(level, n, 4, 20);
      const std::uint32_t units = l.data_units() + l.parity_units();
      REQUIRE(units == n);
      for (std::uint64_t row = 0; row < 20; ++row) {
        std::set<std::uint32_t> disks;
        for (std::uint32_t u = 0; u < units; ++u) {
          const std::uint32_t disk = l.disk_of(row, u);
          disks.insert(disk);
          const Unit back = l.unit_of(row, disk);
          if (u < l.data_units()) {
            CHECK(back.kind == UnitKind::data);
            CHECK(back.index == u);
          } else {
            CHECK(back.kind == (u == l.data_units() ? UnitKind::p : UnitKind::q));
          }
        }
        CHECK(disks.size() == n);
      }
    }
  }
}

TEST_CASE("layout: RAID 10 near-2 puts the two copies on different disks", "[raid][layout]") {
  for (std::uint32_t n = 2; n <= 5; ++n) {
    const Layout l(Level::raid10, n, 4, 10);
    CHECK(l.logical_chunks() == 10 * n / 2);
    std::set<std::pair<std::uint32_t, std::uint64_t>> used;
    for (std::uint64_t c = 0; c < l.logical_chunks(); ++c) {
      std::array<Place, kMaxRaidDevices> places{};
      REQUIRE(l.copies_of(c, places) == 2);
      CHECK(places[0].disk != places[1].disk);
      for (int k = 0; k < 2; ++k) {
        CHECK(used.insert({places[k].disk, places[k].row}).second);
        CHECK(l.chunk_at(places[k].disk, places[k].row) == c);
      }
    }
  }
}

TEST_CASE("layout: survival per level", "[raid][layout]") {
  auto survives = [](Level level, std::uint32_t n, std::initializer_list<std::uint32_t> lost) {
    const Layout l(level, n, 1, 1);
    std::array<bool, kMaxRaidDevices> missing{};
    for (auto d : lost) missing[d] = true;
    return l.survives(std::span(missing).first(n));
  };
  CHECK_FALSE(survives(Level::raid0, 3, {1}));
  CHECK(survives(Level::raid1, 3, {0, 2}));
  CHECK_FALSE(survives(Level::raid1, 2, {0, 1}));
  CHECK(survives(Level::raid5, 4, {2}));
  CHECK_FALSE(survives(Level::raid5, 4, {0, 2}));
  CHECK(survives(Level::raid6, 5, {0, 4}));
  CHECK_FALSE(survives(Level::raid6, 5, {0, 1, 4}));
  CHECK(survives(Level::raid10, 4, {0, 2}));   // one of each pair
  CHECK_FALSE(survives(Level::raid10, 4, {2, 3}));  // both copies of the same chunks
  CHECK_FALSE(survives(Level::raid10, 3, {0, 1}));  // odd count: neighbours share chunks
}

TEST_CASE("layout: member counts and level names", "[raid][layout]") {
  CHECK(Layout::validate(Level::raid5, 2, 8) == raid_errc::invalid_config);
  CHECK(Layout::validate(Level::raid6, 3, 8) == raid_errc::invalid_config);
  CHECK(Layout::validate(Level::raid1, 33, 8) == raid_errc::invalid_config);
  CHECK(Layout::validate(Level::raid0, 2, 0) == raid_errc::invalid_config);
  CHECK_FALSE(Layout::validate(Level::raid10, 2, 1));
  CHECK(parse_level("raid6") == Level::raid6);
  CHECK(parse_level("10") == Level::raid10);
  CHECK_FALSE(parse_level("4"));
  CHECK(level_name(Level::raid10) == "raid10");
}

}  // namespace
}  // namespace uiscsi::target::raid
