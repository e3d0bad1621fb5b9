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

struct FailCase {
  Level level;
  std::uint32_t n;
  std::vector<std::uint32_t> fail;  // disk indexes; the first by command, the rest by I/O error
};

TEST_CASE("raid degraded: members failing during I/O cost no error and no data", "[raid][degraded]") {
  const FailCase cases[] = {{Level::raid1, 2, {1}},
                            {Level::raid5, 4, {2}},
                            {Level::raid6, 5, {0, 3}},
                            {Level::raid10, 4, {1, 2}},
                            {Level::raid5, 3, {0}}};
  for (const auto& c : cases) {
    DYNAMIC_SECTION(level_name(c.level) << " x" << c.n << " losing " << c.fail.size()) {
      auto disks = test::make_disks(c.n, kDisk);
      auto v = test::create_volume(disks, c.level, c.n, kChunk);
      const Geometry g = v->geometry();
      Shadow shadow(g);
      // Two writers on disjoint halves (so the shadow stays exact), one reader, and the
      // failures injected from the test thread while they run.
      std::atomic<int> errors{0};
      std::atomic<int> writes{0};
      std::atomic<bool> stop{false};
      const std::uint64_t half = g.block_count / 2;
      auto writer = [&](std::uint64_t base, std::uint64_t seed) {
        std::mt19937_64 rng(seed);
        for (int i = 0; i < 120; ++i) {
          const std::uint64_t blocks = 1 + rng() % 200;
          const std::uint64_t lba = base + rng() % (half - blocks);
          if (shadow.write(*v, lba, blocks, rng(), i % 2 ? 8 : 0)) ++errors;
          ++writes;
        }
      };
      std::thread w1(writer, 0, 1);
      std::thread w2(writer, half, 2);
      std::thread reader([&] {
        std::vector<std::byte> buf(64 * 512);
        std::mt19937_64 rng(3);
        while (!stop) {
          if (v->read(rng() % (g.block_count - 64), buf)) ++errors;
        }
      });
      while (writes < 40) std::this_thread::yield();
      REQUIRE_FALSE(v->fail_member(test::device_of(*v, "d" + std::to_string(c.fail[0]))));
      for (std::size_t k = 1; k < c.fail.size(); ++k) {
        while (writes < 40 + 30 * static_cast<int>(k)) std::this_thread::yield();
        disks[c.fail[k]]->fail_io = true;
      }
      w1.join();
      w2.join();
      stop = true;
      reader.join();
      CHECK(errors == 0);

      std::error_code ec;
      CHECK(shadow.verify_all(*v, ec) == -1);
      CHECK_FALSE(ec);
      const VolumeStatus st = v->status();
      CHECK(st.degraded);
      CHECK_FALSE(st.failed);
      for (auto d : c.fail) {
        const auto& m = st.members[test::device_of(*v, "d" + std::to_string(d))];
        CHECK(m.state == DeviceState::faulty);
      }
      CHECK_FALSE(st.log.empty());
      CHECK_FALSE(v->flush());
    }
  }
}

TEST_CASE("raid degraded: a read error marks the member faulty and the data is reconstructed", "[raid][degraded]") {
  auto disks = test::make_disks(4, kDisk);
  auto v = test::create_volume(disks, Level::raid5, 4, kChunk);
  Shadow shadow(v->geometry());
  REQUIRE_FALSE(shadow.write(*v, 0, 2000, 5));
  disks[1]->fail_io = true;
  std::error_code ec;
  CHECK(shadow.verify(*v, 0, 2000, ec) == -1);
  CHECK_FALSE(ec);
  const auto st = v->status();
  CHECK(st.members[1].state == DeviceState::faulty);
  CHECK(st.log.back().find("d1 faulty (I/O error") == 0);
  // Writes continue degraded: RMW, reconstruct-write and full stripes.
  REQUIRE_FALSE(shadow.write(*v, 7, 3, 6));
  REQUIRE_FALSE(shadow.write(*v, 96, 96, 7));
  REQUIRE_FALSE(shadow.write(*v, 300, 700, 8, 8));
  CHECK(shadow.verify_all(*v, ec) == -1);
  // Scrub needs every member.
  ScrubReport report;
  CHECK(v->scrub(false, report) == raid_errc::degraded);
}

TEST_CASE("raid degraded: beyond the redundancy, I/O fails and commands refuse", "[raid][degraded]") {
  auto disks = test::make_disks(4, kDisk);
  auto v = test::create_volume(disks, Level::raid5, 4, kChunk);
  Shadow shadow(v->geometry());
  REQUIRE_FALSE(shadow.write(*v, 0, 1000, 1));
  REQUIRE_FALSE(v->fail_member(0));
  CHECK(v->fail_member(0) == raid_errc::no_such_member);  // already faulty
  CHECK(v->fail_member(1) == raid_errc::member_busy);     // would lose data
  CHECK(v->remove_member(1) == raid_errc::member_busy);   // still holds data
  disks[1]->fail_io = true;                               // lost anyway
  std::vector<std::byte> buf(1000 * 512);
  CHECK(v->read(0, buf) == std::errc::io_error);
  CHECK(v->write(0, buf, false) == std::errc::io_error);
  CHECK(v->status().failed);
  CHECK(v->flush() == std::errc::io_error);

  auto d0 = test::make_disks(2, kDisk);
  auto stripe = test::create_volume(d0, Level::raid0, 2, kChunk);
  CHECK(stripe->fail_member(0) == raid_errc::no_redundancy);
  d0[1]->fail_io = true;
  CHECK(stripe->read(0, std::span(buf).first(2 * kChunk)) == std::errc::io_error);
}

}  // namespace
}  // namespace uiscsi::target::raid
