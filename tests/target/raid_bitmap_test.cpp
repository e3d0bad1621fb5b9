#include <catch2/catch.hpp>

#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "target/backend/raid/write_intent_bitmap.h"

namespace uiscsi::target::raid {
namespace {

// Records what reaches "the disk", in order.
class FakeStore final : public BitmapStore {
 public:
  explicit FakeStore(std::size_t page_bytes, std::size_t pages) : disk_(pages, std::vector<std::byte>(page_bytes)) {}

  std::error_code store_bitmap_page(std::uint64_t page, std::span<const std::byte> bytes) noexcept override {
    std::lock_guard lock(mutex_);
    if (fail_stores) return {EIO, std::system_category()};
    disk_[page].assign(bytes.begin(), bytes.end());
    log.push_back("store " + std::to_string(page));
    return {};
  }
  std::error_code flush_members() noexcept override {
    std::lock_guard lock(mutex_);
    log.push_back("flush");
    return {};
  }
  bool bit_on_disk(std::uint64_t bit, std::size_t page_bytes) {
    std::lock_guard lock(mutex_);
    const std::size_t byte = bit / 8;
    return (std::to_integer<unsigned>(disk_[byte / page_bytes][byte % page_bytes]) >> (bit % 8)) & 1u;
  }

  std::vector<std::string> log;
  bool fail_stores = false;

 private:
  std::mutex mutex_;
  std::vector<std::vector<std::byte>> disk_;
};

constexpr std::size_t kPage = 4096;

TEST_CASE("bitmap: a region's bit is on disk before its first write goes ahead", "[raid][bitmap]") {
  FakeStore store(kPage, 1);
  WriteIntentBitmap bm(100, 8, kPage, store);  // 100 regions of 8 rows
  REQUIRE_FALSE(bm.start_write(17));           // region 2
  CHECK(store.bit_on_disk(2, kPage));
  CHECK(store.log == std::vector<std::string>{"store 0"});
  REQUIRE_FALSE(bm.start_write(23));  // same region: no second store
  CHECK(store.log.size() == 1);
  bm.end_write(17);
  bm.end_write(23);
  CHECK(bm.set_regions() == std::vector<std::uint64_t>{2});
}

TEST_CASE("bitmap: bits clear lazily, after a quiet period, with a flush first", "[raid][bitmap]") {
  FakeStore store(kPage, 1);
  WriteIntentBitmap bm(100, 8, kPage, store);
  REQUIRE_FALSE(bm.start_write(0));
  bm.end_write(0);
  store.log.clear();
  REQUIRE_FALSE(bm.sweep());  // written since the last sweep: kept
  CHECK(bm.set_count() == 1);
  CHECK(store.log.empty());
  REQUIRE_FALSE(bm.sweep());  // quiet for a whole period: cleared
  CHECK(bm.set_count() == 0);
  CHECK(store.log == std::vector<std::string>{"flush", "store 0"});
  CHECK_FALSE(store.bit_on_disk(0, kPage));
}

TEST_CASE("bitmap: a write in flight keeps its bit", "[raid][bitmap]") {
  FakeStore store(kPage, 1);
  WriteIntentBitmap bm(10, 1, kPage, store);
  REQUIRE_FALSE(bm.start_write(5));
  for (int i = 0; i < 3; ++i) REQUIRE_FALSE(bm.sweep());
  CHECK(store.bit_on_disk(5, kPage));
  bm.end_write(5);
  REQUIRE_FALSE(bm.sweep());
  CHECK_FALSE(store.bit_on_disk(5, kPage));
}

TEST_CASE("bitmap: merge, clear_all and a failing store", "[raid][bitmap]") {
  FakeStore store(kPage, 2);
  WriteIntentBitmap bm(40000, 1, kPage, store);  // two pages
  CHECK(bm.pages() == 2);
  std::vector<std::byte> image(2 * kPage);
  image[0] = std::byte{0x81};     // bits 0 and 7
  image[4096] = std::byte{0x02};  // bit 32769
  bm.merge(image);
  CHECK(bm.set_regions() == std::vector<std::uint64_t>{0, 7, 32769});
  REQUIRE_FALSE(bm.clear_all());
  CHECK(bm.set_count() == 0);
  CHECK(store.log == std::vector<std::string>{"flush", "store 0", "store 1"});

  store.fail_stores = true;
  CHECK(bm.start_write(3) == std::errc::io_error);
  CHECK(bm.set_count() == 0);
  store.fail_stores = false;
  REQUIRE_FALSE(bm.start_write(3));  // tries again
  CHECK(store.bit_on_disk(3, kPage));
  bm.end_write(3);
}

TEST_CASE("bitmap: concurrent writers always find their bit on disk while a sweeper clears", "[raid][bitmap]") {
  FakeStore store(kPage, 1);
  WriteIntentBitmap bm(4, 1, kPage, store);  // few regions: maximum contention
  std::atomic<bool> stop{false};
  std::atomic<int> violations{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 3; ++t) {
    writers.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int i = 0; i < 3000; ++i) {
        const std::uint64_t row = rng() % 4;
        if (bm.start_write(row)) continue;
        if (!store.bit_on_disk(row, kPage)) ++violations;
        bm.end_write(row);
      }
    });
  }
  std::thread sweeper([&] {
    while (!stop) (void)bm.sweep();
  });
  for (auto& w : writers) w.join();
  stop = true;
  sweeper.join();
  CHECK(violations == 0);
  REQUIRE_FALSE(bm.sweep());
  REQUIRE_FALSE(bm.sweep());
  CHECK(bm.set_count() == 0);
}

}  // namespace
}  // namespace uiscsi::target::raid
