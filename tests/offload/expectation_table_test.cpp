// The expectation table alone: slicing registered buffers by BufferOffset, coverage, and
// FIFO eviction.
#include <catch2/catch.hpp>
#include <vector>

#include "offload/detail/expectation_table.h"

namespace uiscsi::offload::detail {
namespace {

std::byte* at(std::vector<std::byte>& v, std::size_t i) { return v.data() + i; }

}  // namespace

TEST_CASE("find() slices the registered iovecs to the requested range", "[expectations]") {
  std::vector<std::byte> a(10), b(0), c(5), d(20);
  const iovec buffers[] = {{a.data(), a.size()}, {b.data(), 0}, {c.data(), c.size()}, {d.data(), d.size()}};
  ExpectationTable table(4);
  table.insert(1, 100, buffers);  // BufferOffset [100, 135)

  SECTION("inside one iovec") {
    auto s = table.find(1, 102, 3);
    REQUIRE(s.size() == 1);
    CHECK(s[0].iov_base == at(a, 2));
    CHECK(s[0].iov_len == 3);
  }
  SECTION("across iovecs, skipping an empty one") {
    auto s = table.find(1, 108, 10);
    REQUIRE(s.size() == 3);
    CHECK(s[0].iov_base == at(a, 8));
    CHECK(s[0].iov_len == 2);
    CHECK(s[1].iov_base == at(c, 0));
    CHECK(s[1].iov_len == 5);
    CHECK(s[2].iov_base == at(d, 0));
    CHECK(s[2].iov_len == 3);
  }
  SECTION("the whole registration") {
    auto s = table.find(1, 100, 35);
    std::size_t total = 0;
    for (const iovec& v : s) total += v.iov_len;
    CHECK(total == 35);
  }
  SECTION("ranges not covered find nothing") {
    CHECK(table.find(1, 99, 1).empty());
    CHECK(table.find(1, 100, 36).empty());
    CHECK(table.find(1, 134, 2).empty());
    CHECK(table.find(2, 100, 1).empty());
    // Offsets near 2^32 must not wrap around into the range.
    CHECK(table.find(1, 0xffffffffu, 0xffffffffu).empty());
  }
}

TEST_CASE("the table is bounded and evicts the oldest entry", "[expectations]") {
  std::vector<std::byte> buf(8);
  const iovec v{buf.data(), buf.size()};
  ExpectationTable table(2);
  CHECK_FALSE(table.insert(1, 0, {&v, 1}));
  CHECK_FALSE(table.insert(2, 0, {&v, 1}));
  CHECK_FALSE(table.insert(1, 0, {&v, 1}));  // replaces 1 and makes it the newest
  CHECK(table.size() == 2);
  CHECK(table.insert(3, 0, {&v, 1}));  // evicts 2
  CHECK(table.find(2, 0, 1).empty());
  CHECK_FALSE(table.find(1, 0, 1).empty());
  CHECK_FALSE(table.find(3, 0, 1).empty());

  table.erase(1);
  table.erase(42);  // unknown: nothing happens
  CHECK(table.size() == 1);
  CHECK_FALSE(table.insert(4, 0, {&v, 1}));  // room again after the erase
  table.clear();
  CHECK(table.size() == 0);
  CHECK(table.find(3, 0, 1).empty());
}

TEST_CASE("the table keeps its own copy of the iovec array", "[expectations]") {
  std::vector<std::byte> buf(8);
  std::vector<iovec> caller{{buf.data(), buf.size()}};
  ExpectationTable table(1);
  table.insert(1, 0, caller);
  caller[0] = {nullptr, 0};
  caller.clear();
  auto s = table.find(1, 4, 4);
  REQUIRE(s.size() == 1);
  CHECK(s[0].iov_base == buf.data() + 4);
}

}  // namespace uiscsi::offload::detail
