#include <catch2/catch.hpp>

#include "raid_test_support.h"
#include "target/backend/raid/raid_error.h"

namespace uiscsi::target::raid {
namespace {

using test::Shadow;

constexpr std::uint64_t kDisk = 4 * 1024 * 1024;
constexpr std::uint64_t kChunk = 16 * 1024;
constexpr std::uint64_t kChunkBlocks = kChunk / 512;
constexpr std::uint64_t kDataOffset = kMetadataBytes / 512;

// Flips a byte of member `disk`'s chunk in `row`, behind the volume's back.
void corrupt(test::Disk& disk, std::uint64_t row, std::size_t byte) {
  std::vector<std::byte> block(512);
  const std::uint64_t lba = kDataOffset + row * kChunkBlocks + byte / 512;
  REQUIRE_FALSE(disk.ram->read(lba, block));
  block[byte % 512] ^= std::byte{0x5a};
  REQUIRE_FALSE(disk.ram->write(lba, block, false));
}

TEST_CASE("raid scrub: corrupted parity is found, repaired, and clean afterwards", "[raid][scrub]") {
  struct Case {
    Level level;
    std::uint32_t n;
    std::uint32_t unit;  // the unit of the row to corrupt: d is P, d+1 is Q
  };
  for (const Case c : {Case{Level::raid5, 4, 3}, Case{Level::raid6, 5, 4}, Case{Level::raid6, 5, 3}}) {
    DYNAMIC_SECTION(level_name(c.level) << " unit " << c.unit) {
      auto disks = test::make_disks(c.n, kDisk);
      auto v = test::create_volume(disks, c.level, c.n, kChunk);
      Shadow shadow(v->geometry());
      REQUIRE_FALSE(shadow.write(*v, 0, v->geometry().block_count, 1));
      const Layout layout(c.level, c.n, kChunkBlocks, 1);
      corrupt(*disks[layout.disk_of(5, c.unit)], 5, 1000);
      corrupt(*disks[layout.disk_of(77, c.unit)], 77, 16383);

      ScrubReport report;
      std::uint64_t last_progress = 0;
      REQUIRE_FALSE(v->scrub(false, report, [&](std::uint64_t done, std::uint64_t) { last_progress = done; }));
      CHECK(report.mismatched_rows == 2);
      CHECK(report.first_mismatches == std::vector<std::uint64_t>{5, 77});
      CHECK(report.repaired_rows == 0);
      CHECK(last_progress == report.rows_checked);
      std::error_code ec;
      CHECK(shadow.verify_all(*v, ec) == -1);  // data units were not touched

      REQUIRE_FALSE(v->scrub(true, report));
      CHECK(report.repaired_rows == 2);
      REQUIRE_FALSE(v->scrub(false, report));
      CHECK(report.mismatched_rows == 0);
      // Repaired parity reconstructs correctly.
      REQUIRE_FALSE(v->fail_member(layout.disk_of(5, 0)));
      CHECK(shadow.verify_all(*v, ec) == -1);
    }
  }
}

TEST_CASE("raid scrub: mirrors compare copies; RAID 0 has nothing to check", "[raid][scrub]") {
  auto disks = test::make_disks(4, kDisk);
  auto v = test::create_volume(disks, Level::raid10, 4, kChunk);
  Shadow shadow(v->geometry());
  REQUIRE_FALSE(shadow.write(*v, 0, v->geometry().block_count, 2));
  corrupt(*disks[3], 9, 7);
  ScrubReport report;
  REQUIRE_FALSE(v->scrub(true, report));
  CHECK(report.mismatched_rows == 1);
  CHECK(report.first_mismatches == std::vector<std::uint64_t>{9});
  REQUIRE_FALSE(v->scrub(false, report));
  CHECK(report.mismatched_rows == 0);

  auto plain = test::make_disks(2, kDisk);
  auto stripe = test::create_volume(plain, Level::raid0, 2, kChunk);
  CHECK(stripe->scrub(false, report) == raid_errc::no_redundancy);
}

}  // namespace
}  // namespace uiscsi::target::raid
