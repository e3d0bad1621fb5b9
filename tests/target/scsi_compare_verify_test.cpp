// COMPARE AND WRITE, VERIFY and WRITE AND VERIFY.
#include <atomic>
#include <cstring>
#include <thread>

#include "scsi_test_support.h"

namespace uiscsi::target::scsi::test {
namespace {

namespace cdb = iscsi::scsi::cdb;
using iscsi::scsi::SenseKey;
namespace asc = iscsi::scsi::asc;
constexpr std::size_t kBs = Harness::kBlockSize;

std::vector<std::byte> concat(const std::vector<std::byte>& a, const std::vector<std::byte>& b) {
  std::vector<std::byte> out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

TEST_CASE("COMPARE AND WRITE writes when the compare data matches", "[scsi][caw]") {
  Harness h;
  const auto old_data = pattern(2 * kBs, 1);
  const auto new_data = pattern(2 * kBs, 2);
  h.write(40, old_data);
  const Result r = h.run(cdb::compare_and_write(40, 2).view(), concat(old_data, new_data));
  REQUIRE(r.status() == Status::good);
  CHECK(r.response.expected_length == 4 * kBs);
  CHECK(h.read(40, 2) == new_data);
}

TEST_CASE("COMPARE AND WRITE miscompare reports the offset and writes nothing", "[scsi][caw]") {
  Harness h;
  const auto old_data = pattern(2 * kBs, 1);
  h.write(40, old_data);
  auto compare = old_data;
  compare[kBs + 17] ^= std::byte{0xff};
  const Result r = h.run(cdb::compare_and_write(40, 2).view(), concat(compare, pattern(2 * kBs, 3)));
  REQUIRE(r.has_sense(SenseKey::miscompare, asc::miscompare_during_verify));
  CHECK(r.sense().information == kBs + 17);
  CHECK(h.read(40, 2) == old_data);
}

TEST_CASE("COMPARE AND WRITE argument checks", "[scsi][caw]") {
  Harness h;
  const auto two = pattern(2 * kBs, 1);
  CHECK(h.run(cdb::compare_and_write(0, 0).view()).status() == Status::good);
  // NUMBER OF LOGICAL BLOCKS 0 with data (a 256-block request truncated to one byte).
  CHECK(h.run(cdb::compare_and_write(0, 0).view(), pattern(2 * kBs, 1))
            .has_sense(SenseKey::illegal_request, asc::invalid_field_in_cdb));
  CHECK(h.run(cdb::compare_and_write(Harness::kBlocks - 1, 2).view(), concat(two, two))
            .has_sense(SenseKey::illegal_request, asc::lba_out_of_range));
  // Data-Out must be exactly two halves.
  CHECK(h.run(cdb::compare_and_write(0, 1).view(), pattern(4 * kBs, 1)).status() == Status::check_condition);
  CHECK(h.run(cdb::compare_and_write(0, 3).view(), pattern(4 * kBs, 1)).status() == Status::check_condition);

  LuConfig config = Harness::default_config();
  config.max_compare_and_write_blocks = 1;
  Harness one(nullptr, config);
  const Result r = one.run(cdb::compare_and_write(0, 2).view(), pattern(4 * kBs, 1));
  REQUIRE(r.has_sense(SenseKey::illegal_request, asc::invalid_field_in_cdb));
  CHECK((*r.sense().sense_key_specific)[2] == 13);
}

// Several threads increment a counter in one block with COMPARE AND WRITE only, while
// others overwrite a neighbouring block with plain writes. Without atomicity some
// increments would be lost.
TEST_CASE("COMPARE AND WRITE is atomic under concurrency", "[scsi][caw]") {
  Harness h;
  h.write(100, std::vector<std::byte>(kBs));
  constexpr int kThreads = 4;
  constexpr int kIncrements = 60;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    const auto junk = pattern(kBs, 5);
    const auto c = cdb::write_10(101, 1);
    while (!stop) {
      const Command w{kNexusB, c.view(), junk, {}};
      (void)h.target().execute(0, w);
    }
  });
  std::vector<std::thread> threads;
  std::atomic<int> done{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements;) {
        std::vector<std::byte> current(kBs);
        const auto rc = cdb::read_10(100, 1);
        (void)h.target().execute(0, Command{kNexusA, rc.view(), {}, current});
        std::vector<std::byte> next = current;
        std::uint32_t value = 0;
        std::memcpy(&value, next.data(), sizeof value);
        ++value;
        std::memcpy(next.data(), &value, sizeof value);
        const auto data = concat(current, next);
        const auto cw = cdb::compare_and_write(100, 1);
        const Response r = h.target().execute(0, Command{kNexusA, cw.view(), data, {}});
        if (r.status == Status::good) {
          ++i;
          ++done;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  stop = true;
  writer.join();
  const auto final_block = h.read(100, 1);
  std::uint32_t value = 0;
  std::memcpy(&value, final_block.data(), sizeof value);
  CHECK(done == kThreads * kIncrements);
  CHECK(value == kThreads * kIncrements);
}

TEST_CASE("VERIFY compares, reads, or compares one block with many", "[scsi][verify]") {
  Harness h;
  const auto data = pattern(4 * kBs, 6);
  h.write(8, data);
  const auto verify10 = [](std::uint32_t lba, std::uint16_t blocks, int bytchk) {
    return bytes({0x2f, bytchk << 1, static_cast<int>(lba >> 24), static_cast<int>((lba >> 16) & 0xff),
                  static_cast<int>((lba >> 8) & 0xff), static_cast<int>(lba & 0xff), 0, blocks >> 8, blocks & 0xff, 0});
  };

  CHECK(h.run(verify10(8, 4, 1), data).status() == Status::good);
  auto wrong = data;
  wrong[3 * kBs + 5] ^= std::byte{1};
  const Result mis = h.run(verify10(8, 4, 1), wrong);
  REQUIRE(mis.has_sense(SenseKey::miscompare, asc::miscompare_during_verify));
  CHECK(mis.sense().information == 3 * kBs + 5);
  // BYTCHK 0 checks the medium only: no Data-Out, no compare.
  const Result medium = h.run(verify10(8, 4, 0), wrong);
  CHECK(medium.status() == Status::good);
  CHECK(medium.response.expected_length == 0);
  // BYTCHK 11b: one block against each.
  const auto block = pattern(kBs, 8);
  h.write(20, concat(block, block));
  CHECK(h.run(verify10(20, 2, 3), block).status() == Status::good);
  CHECK(h.run(verify10(19, 2, 3), block).has_sense(SenseKey::miscompare, asc::miscompare_during_verify));
  // BYTCHK 10b is reserved.
  CHECK(h.run(verify10(8, 1, 2), block).has_sense(SenseKey::illegal_request, asc::invalid_field_in_cdb));
  CHECK(h.run(verify10(Harness::kBlocks, 1, 0)).has_sense(SenseKey::illegal_request, asc::lba_out_of_range));
  CHECK(h.run(verify10(8, 0, 1)).status() == Status::good);
}

TEST_CASE("WRITE AND VERIFY writes through and checks the data", "[scsi][verify]") {
  Harness h;
  const auto data = pattern(3 * kBs, 12);
  // WRITE AND VERIFY (16), BYTCHK = 1.
  auto c = bytes({0x8e, 0x02, 0, 0, 0, 0, 0, 0, 0, 50, 0, 0, 0, 3, 0, 0});
  REQUIRE(h.run(c, data).status() == Status::good);
  CHECK(h.read(50, 3) == data);
  // BYTCHK 11b does not exist for WRITE AND VERIFY.
  c[1] = std::byte{0x06};
  CHECK(h.run(c, data).has_sense(SenseKey::illegal_request, asc::invalid_field_in_cdb));
  // WRITE AND VERIFY (10) beyond the end.
  CHECK(h.run(bytes({0x2e, 0, 0, 0, 0x07, 0xff, 0, 0, 2, 0}), pattern(2 * kBs, 1))
            .has_sense(SenseKey::illegal_request, asc::lba_out_of_range));
}


TEST_CASE("ORWRITE ORs Data-Out into the blocks", "[scsi][orwrite]") {
  Harness h;
  const std::vector<std::byte> a5(2 * kBs, std::byte{0xa5});
  const std::vector<std::byte> x5a(2 * kBs, std::byte{0x5a});
  h.write(20, std::vector<std::byte>(2 * kBs, std::byte{0}));
  // ORWRITE (16) of two blocks at LBA 20, then again with the complementary pattern.
  const auto orwrite = bytes({0x8b, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 2, 0, 0});
  REQUIRE(h.run(orwrite, a5).status() == Status::good);
  CHECK(h.read(20, 2) == a5);
  REQUIRE(h.run(orwrite, x5a).status() == Status::good);
  CHECK(h.read(20, 2) == std::vector<std::byte>(2 * kBs, std::byte{0xff}));
  // Zero blocks: nothing to do. Beyond the end: LBA OUT OF RANGE, nothing written.
  CHECK(h.run(bytes({0x8b, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 0, 0, 0})).status() == Status::good);
  auto beyond = orwrite;
  beyond[8] = std::byte{0x7f};
  CHECK(h.run(beyond, a5).has_sense(SenseKey::illegal_request, asc::lba_out_of_range));
  // ORPROTECT: no protection information, so refused.
  auto protect = orwrite;
  protect[1] = std::byte{0x20};
  CHECK(h.run(protect, a5).has_sense(SenseKey::illegal_request, asc::invalid_field_in_cdb));
  // A short Data-Out: the OR needs every block, so nothing is written.
  const auto before = h.read(20, 2);
  CHECK(h.run(orwrite, std::span(a5).first(kBs)).has_sense(SenseKey::illegal_request, {0x0e, 0x03}));
  CHECK(h.read(20, 2) == before);
}

TEST_CASE("PRE-FETCH checks the range and answers GOOD", "[scsi][prefetch]") {
  Harness h;
  const auto blocks = static_cast<std::uint32_t>(Harness::kBlocks);
  // PRE-FETCH (10) of 8 blocks at LBA 0, with IMMED.
  CHECK(h.run(bytes({0x34, 0x02, 0, 0, 0, 0, 0, 0, 8, 0})).status() == Status::good);
  // PREFETCH LENGTH 0: to the end of the medium, also from the last LBA + 1.
  CHECK(h.run(bytes({0x34, 0, 0, 0, 0, 0, 0, 0, 0, 0})).status() == Status::good);
  const auto end = [&](std::uint32_t lba, std::uint8_t length) {
    return bytes({0x90, 0, 0, 0, 0, 0, static_cast<int>(lba >> 24), static_cast<int>((lba >> 16) & 0xff),
                  static_cast<int>((lba >> 8) & 0xff), static_cast<int>(lba & 0xff), 0, 0, 0, length, 0, 0});
  };
  CHECK(h.run(end(blocks - 1, 1)).status() == Status::good);
  CHECK(h.run(end(blocks, 0)).status() == Status::good);
  CHECK(h.run(end(blocks - 1, 2)).has_sense(SenseKey::illegal_request, asc::lba_out_of_range));
  CHECK(h.run(end(blocks + 1, 0)).has_sense(SenseKey::illegal_request, asc::lba_out_of_range));
}

}  // namespace
}  // namespace uiscsi::target::scsi::test
