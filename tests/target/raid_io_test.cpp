#include <catch2/catch.hpp>

#include <random>

#include "raid_test_support.h"
#include "target/backend/raid/raid_error.h"

namespace uiscsi::target::raid {
namespace {

using test::Shadow;

struct LevelCase {
  Level level;
  std::uint32_t n;
};

constexpr std::uint64_t kDisk = 4 * 1024 * 1024;
constexpr std::uint64_t kChunk = 16 * 1024;

const LevelCase kCases[] = {{Level::raid0, 3}, {Level::raid1, 2}, {Level::raid1, 3}, {Level::raid5, 3},
                            {Level::raid5, 4}, {Level::raid6, 4}, {Level::raid6, 6}, {Level::raid10, 4},
                            {Level::raid10, 3}};

// Random writes of random lengths (from one block to three rows) at random places, some
// from unaligned buffers; the shadow copy is the truth.
void random_writes(Backend& v, Shadow& shadow, std::uint64_t seed, int count) {
  std::mt19937_64 rng(seed);
  const Geometry g = v.geometry();
  const std::uint64_t max_blocks = 3 * 4 * kChunk / g.block_size;
  for (int i = 0; i < count; ++i) {
    const std::uint64_t blocks = 1 + rng() % max_blocks;
    const std::uint64_t lba = rng() % (g.block_count - blocks + 1);
    const std::size_t misalign = (rng() % 3 == 0) ? 8 : 0;
    REQUIRE_FALSE(shadow.write(v, lba, blocks, rng(), misalign));
  }
}

TEST_CASE("raid volume: random writes read back at every level, scrub finds them consistent", "[raid][io]") {
  for (const auto& c : kCases) {
    DYNAMIC_SECTION(level_name(c.level) << " x" << c.n) {
      auto disks = test::make_disks(c.n, kDisk);
      auto v = test::create_volume(disks, c.level, c.n, kChunk);
      const Geometry g = v->geometry();
      const std::uint64_t rows = (kDisk - kMetadataBytes) / kChunk;
      const std::uint64_t chunk_blocks = kChunk / 512;
      std::uint64_t expect = rows * chunk_blocks * c.n;
      if (c.level == Level::raid1) expect = rows * chunk_blocks;
      if (c.level == Level::raid5) expect = rows * chunk_blocks * (c.n - 1);
      if (c.level == Level::raid6) expect = rows * chunk_blocks * (c.n - 2);
      if (c.level == Level::raid10) expect = rows * c.n / 2 * chunk_blocks;
      CHECK(g == Geometry{512, expect});

      Shadow shadow(g);
      std::error_code ec;
      CHECK(shadow.verify_all(*v, ec) == -1);  // zeroed at creation
      random_writes(*v, shadow, 1 + c.n, 150);
      CHECK(shadow.verify_all(*v, ec) == -1);
      CHECK_FALSE(ec);
      CHECK_FALSE(v->flush());

      if (c.level != Level::raid0) {
        ScrubReport report;
        REQUIRE_FALSE(v->scrub(false, report));
        CHECK(report.rows_checked == rows);
        CHECK(report.mismatched_rows == 0);
      }
    }
  }
}

TEST_CASE("raid volume: full-stripe, partial and single-block writes at RAID 5 and 6 row edges", "[raid][io]") {
  for (auto level : {Level::raid5, Level::raid6}) {
    auto disks = test::make_disks(5, kDisk);
    auto v = test::create_volume(disks, level, 5, kChunk);
    Shadow shadow(v->geometry());
    const std::uint64_t cb = kChunk / 512;
    const std::uint64_t row = cb * (level == Level::raid5 ? 4 : 3);
    REQUIRE_FALSE(shadow.write(*v, row, row, 1));            // exactly one full stripe
    REQUIRE_FALSE(shadow.write(*v, 3 * row, 2 * row, 2, 8));  // two full stripes, unaligned source
    REQUIRE_FALSE(shadow.write(*v, row + 1, 1, 3));           // one block: read-modify-write
    REQUIRE_FALSE(shadow.write(*v, 2 * row - 1, 2, 4));       // across a row boundary
    REQUIRE_FALSE(shadow.write(*v, 6 * row + cb - 3, cb + 6, 5));  // two partial units
    REQUIRE_FALSE(shadow.write(*v, 8 * row + 5, row - 10, 6));      // most of a row: reconstruct-write
    std::error_code ec;
    CHECK(shadow.verify_all(*v, ec) == -1);
    ScrubReport report;
    REQUIRE_FALSE(v->scrub(false, report));
    CHECK(report.mismatched_rows == 0);
  }
}

TEST_CASE("raid volume: each write reads only what its strategy needs", "[raid][io]") {
  // RAID 5 over 5 members (4 data units of 32 blocks per row), RAID 6 over 6 (4 + P + Q).
  for (auto level : {Level::raid5, Level::raid6}) {
    DYNAMIC_SECTION(level_name(level)) {
      auto disks = test::make_disks(level == Level::raid5 ? 5 : 6, kDisk);
      auto v = test::create_volume(disks, level, level == Level::raid5 ? 5 : 6, kChunk);
      Shadow shadow(v->geometry());
      const std::uint64_t row = 4 * kChunk / 512;
      auto reads_for = [&](std::uint64_t lba, std::uint64_t blocks) {
        const std::uint64_t before = test::total_reads(disks);
        REQUIRE_FALSE(shadow.write(*v, lba, blocks, lba + blocks));
        return test::total_reads(disks) - before;
      };
      CHECK(reads_for(row, row) == 0);           // full stripe: parity from the new data alone
      CHECK(reads_for(0, 4 * row) == 0);         // several full stripes
      CHECK(reads_for(5 * row, 3 * row / 4) == 1);  // three of four units: reconstruct-write
      // One block: read-modify-write reads the old block and the parity (RAID 5: 2 reads);
      // for RAID 6 that is 3 reads, as many as reconstruct-write, which wins the tie.
      CHECK(reads_for(7 * row + 3, 1) == (level == Level::raid5 ? 2u : 3u));
      std::error_code ec;
      CHECK(shadow.verify_all(*v, ec) == -1);
    }
  }
}

TEST_CASE("raid volume: large logical blocks (the metadata unit grows with them)", "[raid][io]") {
  for (std::uint32_t bs : {4096u, 65536u}) {
    DYNAMIC_SECTION("block size " << bs) {
      auto disks = test::make_disks(4, kDisk, bs);
      auto v = test::create_volume(disks, Level::raid6, 4, 2 * 65536);
      CHECK(v->geometry().block_size == bs);
      Shadow shadow(v->geometry());
      std::mt19937_64 rng(bs);
      for (int i = 0; i < 40; ++i) {
        const std::uint64_t blocks = 1 + rng() % 40;
        const std::uint64_t lba = rng() % (v->geometry().block_count - blocks + 1);
        REQUIRE_FALSE(shadow.write(*v, lba, blocks, rng()));
      }
      REQUIRE_FALSE(v->close());
      v.reset();
      std::vector<std::string> messages;
      std::error_code ec;
      v = RaidBackend::assemble(test::handles(disks), test::test_runtime(), messages, ec);
      REQUIRE(v);
      REQUIRE_FALSE(v->fail_member(1));
      CHECK(shadow.verify_all(*v, ec) == -1);
    }
  }
}

TEST_CASE("raid volume: data survives close and reassembly", "[raid][io]") {
  auto disks = test::make_disks(4, kDisk);
  auto v = test::create_volume(disks, Level::raid6, 4, kChunk);
  Shadow shadow(v->geometry());
  random_writes(*v, shadow, 99, 60);
  REQUIRE_FALSE(v->close());
  std::vector<std::byte> block(512);
  CHECK(v->read(0, block) == raid_errc::closed);
  v.reset();

  std::vector<std::string> messages;
  std::error_code ec;
  auto again = RaidBackend::assemble(test::handles(disks), test::test_runtime(), messages, ec);
  REQUIRE(again);
  CHECK(messages.empty());  // clean: no resync, nobody left out
  const VolumeStatus st = again->status();
  CHECK(st.bitmap_dirty == 0);
  CHECK(shadow.verify_all(*again, ec) == -1);
}

TEST_CASE("raid volume: Backend contract details", "[raid][io]") {
  auto disks = test::make_disks(3, kDisk);
  auto v = test::create_volume(disks, Level::raid5, 3, kChunk);
  const Geometry g = v->geometry();
  std::vector<std::byte> buf(1024);
  CHECK(v->read(g.block_count - 1, buf) == backend_errc::out_of_range);
  CHECK(v->write(0, std::span(buf).first(100), false) == backend_errc::misaligned);
  CHECK(v->unmap(0, 1) == backend_errc::not_supported);
  CHECK_FALSE(v->features().unmap);
  CHECK(v->features().non_rotational);  // RAM members
  Extent e;
  REQUIRE_FALSE(v->provisioning_status(5, e));
  CHECK(e == Extent{5, g.block_count - 5, ProvisioningState::mapped});

  Shadow shadow(g);
  REQUIRE_FALSE(shadow.write(*v, 0, 200, 7));
  REQUIRE_FALSE(v->write_zeroes(10, 50, false));
  std::vector<std::byte> expect(200 * 512);
  Shadow::pattern(expect, 7);
  std::fill(expect.begin() + 10 * 512, expect.begin() + 60 * 512, std::byte{0});
  std::vector<std::byte> out(200 * 512);
  REQUIRE_FALSE(v->read(0, out));
  CHECK(out == expect);
  ScrubReport report;
  REQUIRE_FALSE(v->scrub(false, report));
  CHECK(report.mismatched_rows == 0);
}

TEST_CASE("raid volume: creation refuses bad options", "[raid][io]") {
  std::error_code ec;
  auto disks = test::make_disks(3, kDisk);
  CreateOptions o;
  o.level = Level::raid6;
  o.raid_devices = 3;
  CHECK_FALSE(RaidBackend::create(test::handles(disks), o, test::test_runtime(), ec));
  CHECK(ec == raid_errc::invalid_config);
  o.level = Level::raid5;
  o.chunk_bytes = 1000;
  CHECK_FALSE(RaidBackend::create(test::handles(disks), o, test::test_runtime(), ec));
  CHECK(ec == raid_errc::invalid_config);
  o.chunk_bytes = 4096;
  o.raid_devices = 4;  // more slots than members
  CHECK_FALSE(RaidBackend::create(test::handles(disks), o, test::test_runtime(), ec));
  CHECK(ec == raid_errc::invalid_config);

  auto mixed = test::make_disks(2, kDisk);
  mixed.push_back(test::make_disk(kDisk, 4096));
  o.raid_devices = 3;
  CHECK_FALSE(RaidBackend::create(test::handles(mixed), o, test::test_runtime(), ec));
  CHECK(ec == raid_errc::member_mismatch);

  auto tiny = test::make_disks(3, kMetadataBytes);  // no room for data
  CHECK_FALSE(RaidBackend::create(test::handles(tiny), o, test::test_runtime(), ec));
  CHECK(ec == raid_errc::member_mismatch);
}

}  // namespace
}  // namespace uiscsi::target::raid
