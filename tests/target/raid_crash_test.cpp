// Crash simulation: a write is torn (one member misses its part), then the power goes (all
// later writes are lost, including the clean shutdown). Reassembly must resync the rows
// the write-intent bitmap marks.
#include <catch2/catch.hpp>

#include "raid_test_support.h"
#include "target/backend/raid/detail/aligned_buffer.h"
#include "target/backend/raid/parity.h"

namespace uiscsi::target::raid {
namespace {

using test::Shadow;

constexpr std::uint64_t kDisk = 4 * 1024 * 1024;
constexpr std::uint64_t kChunk = 16 * 1024;
constexpr std::uint64_t kChunkBlocks = kChunk / 512;
constexpr std::uint64_t kDataOffset = kMetadataBytes / 512;

// Whether member row `row` of the raw disks is consistent: parity matches (RAID 5) or
// the copies agree (RAID 1).
bool row_consistent(const std::vector<std::shared_ptr<test::Disk>>& disks, Level level, std::uint64_t row) {
  std::vector<detail::AlignedBuffer> units;
  std::vector<std::byte*> ptr;
  for (const auto& d : disks) {
    units.emplace_back(kChunk);
    ptr.push_back(units.back().data());
    REQUIRE_FALSE(d->ram->read(kDataOffset + row * kChunkBlocks, std::span(units.back().data(), kChunk)));
  }
  if (level == Level::raid1) return std::equal(ptr[0], ptr[0] + kChunk, ptr[1]);
  const auto d = static_cast<std::uint32_t>(disks.size() - 1);
  // Put P last, in the order parity::check wants.
  const Layout layout(level, static_cast<std::uint32_t>(disks.size()), kChunkBlocks, 1);
  std::vector<std::byte*> ordered;
  for (std::uint32_t u = 0; u <= d; ++u) ordered.push_back(ptr[layout.disk_of(row, u)]);
  return parity::check(std::span(ordered).first(d), ordered[d], nullptr, kChunk);
}

void power_cut(std::unique_ptr<RaidBackend>& v, const std::vector<std::shared_ptr<test::Disk>>& disks) {
  for (auto& d : disks) d->drop_writes = true;
  v.reset();  // its clean shutdown reaches no disk
  for (auto& d : disks) d->drop_writes = false;
}

TEST_CASE("raid crash: a torn RAID 5 stripe is resynced from the bitmap", "[raid][crash]") {
  auto disks = test::make_disks(4, kDisk);
  auto v = test::create_volume(disks, Level::raid5, 4, kChunk);
  Shadow shadow(v->geometry());
  REQUIRE_FALSE(shadow.write(*v, 0, v->geometry().block_count, 1));
  REQUIRE_FALSE(v->close());
  v.reset();
  std::vector<std::string> messages;
  std::error_code ec;
  v = RaidBackend::assemble(test::handles(disks), test::test_runtime(), messages, ec);
  REQUIRE(v);

  // Row 0's parity lives on disk 3 (left-symmetric): tear a full-stripe write there, so
  // the data lands and the parity does not.
  const std::uint64_t row_blocks = 3 * kChunkBlocks;
  disks[3]->drop_writes = true;
  REQUIRE_FALSE(shadow.write(*v, 0, row_blocks, 2));
  // Row 40's parity is on disk 3 too (40 mod 4 == 0); a single-block read-modify-write.
  REQUIRE_FALSE(shadow.write(*v, 40 * row_blocks + 5, 1, 3));
  power_cut(v, disks);

  CHECK_FALSE(row_consistent(disks, Level::raid5, 0));  // the hole the bitmap must close
  CHECK_FALSE(row_consistent(disks, Level::raid5, 40));

  messages.clear();
  v = RaidBackend::assemble(test::handles(disks), test::test_runtime(), messages, ec);
  REQUIRE(v);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].find("dirty volume: resynced") == 0);
  CHECK(messages[0].find(", 2 had stale parity") != std::string::npos);
  CHECK(row_consistent(disks, Level::raid5, 0));
  CHECK(row_consistent(disks, Level::raid5, 40));
  CHECK(shadow.verify_all(*v, ec) == -1);
  // Parity is trustworthy again: lose a data member and read the torn rows back.
  REQUIRE_FALSE(v->fail_member(0));
  CHECK(shadow.verify_all(*v, ec) == -1);
}

TEST_CASE("raid crash: a torn data write reads back old or new per chunk, consistently", "[raid][crash]") {
  auto disks = test::make_disks(4, kDisk);
  auto v = test::create_volume(disks, Level::raid5, 4, kChunk);
  const std::uint64_t row_blocks = 3 * kChunkBlocks;
  std::vector<std::byte> old_row(row_blocks * 512);
  std::vector<std::byte> new_row(row_blocks * 512);
  Shadow::pattern(old_row, 10);
  Shadow::pattern(new_row, 11);
  REQUIRE_FALSE(v->write(0, old_row, false));
  // Row 0: data unit 0 is on disk 0. It misses the new data, the others get it.
  disks[0]->drop_writes = true;
  REQUIRE_FALSE(v->write(0, new_row, false));
  power_cut(v, disks);

  std::vector<std::string> messages;
  std::error_code ec;
  v = RaidBackend::assemble(test::handles(disks), test::test_runtime(), messages, ec);
  REQUIRE(v);
  CHECK(row_consistent(disks, Level::raid5, 0));
  std::vector<std::byte> expect = new_row;
  std::copy_n(old_row.begin(), kChunk, expect.begin());  // unit 0 kept its old data
  std::vector<std::byte> out(row_blocks * 512);
  REQUIRE_FALSE(v->read(0, out));
  CHECK(out == expect);
  // And reconstructing any unit agrees with what is on the disks.
  REQUIRE_FALSE(v->fail_member(1));
  REQUIRE_FALSE(v->read(0, out));
  CHECK(out == expect);
}

TEST_CASE("raid crash: RAID 1 copies that diverged are made equal", "[raid][crash]") {
  auto disks = test::make_disks(2, kDisk);
  auto v = test::create_volume(disks, Level::raid1, 2, kChunk);
  Shadow shadow(v->geometry());
  disks[1]->drop_writes = true;
  REQUIRE_FALSE(shadow.write(*v, 3 * kChunkBlocks, 10, 1));
  power_cut(v, disks);
  CHECK_FALSE(row_consistent(disks, Level::raid1, 3));
  std::vector<std::string> messages;
  std::error_code ec;
  v = RaidBackend::assemble(test::handles(disks), test::test_runtime(), messages, ec);
  REQUIRE(v);
  CHECK(row_consistent(disks, Level::raid1, 3));
  CHECK(shadow.verify_all(*v, ec) == -1);  // the first copy (disk 0) had the new data
}

TEST_CASE("raid crash: idle regions are cleared, so a crash resyncs only recent writes", "[raid][crash]") {
  auto disks = test::make_disks(4, kDisk);
  auto v = test::create_volume(disks, Level::raid5, 4, kChunk);  // 256 KiB regions: 16 rows
  Shadow shadow(v->geometry());
  REQUIRE_FALSE(shadow.write(*v, 0, 600, 1));  // rows 0..6, region 0
  CHECK(v->status().bitmap_dirty == 1);
  REQUIRE_FALSE(v->clean_bitmap());  // written since the last sweep: stays
  CHECK(v->status().bitmap_dirty == 1);
  REQUIRE_FALSE(v->clean_bitmap());  // quiet for a period: cleared
  CHECK(v->status().bitmap_dirty == 0);
  REQUIRE_FALSE(shadow.write(*v, 17 * 3 * kChunkBlocks, 10, 2));  // row 17: region 1
  power_cut(v, disks);

  std::vector<std::string> messages;
  std::error_code ec;
  v = RaidBackend::assemble(test::handles(disks), test::test_runtime(), messages, ec);
  REQUIRE(v);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].find("resynced 16 rows in 1 marked regions") != std::string::npos);
  CHECK(shadow.verify_all(*v, ec) == -1);
}

}  // namespace
}  // namespace uiscsi::target::raid
