// Chaining: a CRC over pieces (spans chained through `prev`, iovec lists, the Crc32c
// class) equals a single pass over the whole buffer.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "crc_test_support.h"

namespace uiscsi::crc::test {
namespace {

iovec iov(std::span<const std::byte> s) {
  return {const_cast<std::byte*>(s.data()), s.size()};
}

// Random cut points: piece sizes from 0 (empty iovecs must be harmless) up to max_piece.
std::vector<std::span<const std::byte>> random_pieces(std::span<const std::byte> data,
                                                      std::mt19937& rng, std::size_t max_piece) {
  std::vector<std::span<const std::byte>> pieces;
  std::uniform_int_distribution<std::size_t> size_of(0, max_piece);
  while (!data.empty()) {
    const std::size_t n = std::min(size_of(rng), data.size());
    pieces.push_back(data.first(n));
    data = data.subspan(n);
  }
  return pieces;
}

}  // namespace

TEST_CASE("two pieces at every split point", "[crc]") {
  const auto data = random_bytes(1000, 3);
  const std::span<const std::byte> all(data);
  for (Engine e : available_engines()) {
    const std::uint32_t whole = crc32c(e, all);
    for (std::size_t split = 0; split <= all.size(); ++split) {
      CAPTURE(name(e), split);
      const auto head = all.first(split);
      const auto tail = all.subspan(split);
      REQUIRE(crc32c(e, tail, crc32c(e, head)) == whole);
      const iovec list[] = {iov(head), iov(tail)};
      REQUIRE(crc32c(e, std::span<const iovec>(list)) == whole);
    }
  }
}

TEST_CASE("three pieces at every pair of split points", "[crc]") {
  const auto data = random_bytes(100, 4);
  const std::span<const std::byte> all(data);
  const std::uint32_t whole = crc32c(all);
  for (std::size_t i = 0; i <= all.size(); ++i) {
    for (std::size_t j = i; j <= all.size(); ++j) {
      CAPTURE(i, j);
      const iovec list[] = {iov(all.first(i)), iov(all.subspan(i, j - i)), iov(all.subspan(j))};
      REQUIRE(crc32c(std::span<const iovec>(list)) == whole);
    }
  }
}

TEST_CASE("random chunkings of a large buffer", "[crc]") {
  const auto data = random_bytes(300 * 1024, 5);
  const std::span<const std::byte> all(data);
  std::mt19937 rng(6);
  for (Engine e : available_engines()) {
    const std::uint32_t whole = crc32c(e, all);
    for (std::size_t max_piece : {16u, 1000u, 40000u, 200000u}) {
      for (int round = 0; round < 8; ++round) {
        CAPTURE(name(e), max_piece, round);
        const auto pieces = random_pieces(all, rng, max_piece);

        std::uint32_t chained = 0;
        for (auto piece : pieces) chained = crc32c(e, piece, chained);
        REQUIRE(chained == whole);

        std::vector<iovec> list;
        for (auto piece : pieces) list.push_back(iov(piece));
        REQUIRE(crc32c(e, std::span<const iovec>(list)) == whole);
      }
    }
  }
}

TEST_CASE("iovec list continues from prev", "[crc]") {
  const auto data = random_bytes(5000, 8);
  const std::span<const std::byte> all(data);
  const iovec list[] = {iov(all.subspan(100, 2000)), iov(all.subspan(2100))};
  CHECK(crc32c(std::span<const iovec>(list), crc32c(all.first(100))) == crc32c(all));
  CHECK(crc32c(std::span<const iovec>{}, 0xDEADBEEFu) == 0xDEADBEEFu);
}

TEST_CASE("Crc32c accumulates pieces and resets", "[crc]") {
  const auto data = random_bytes(70000, 9);
  const std::span<const std::byte> all(data);
  std::mt19937 rng(10);

  Crc32c crc;
  CHECK(crc.value() == 0u);
  for (auto piece : random_pieces(all, rng, 5000)) crc.update(piece);
  CHECK(crc.value() == crc32c(all));

  crc.reset();
  CHECK(crc.value() == 0u);
  crc.update(all.first(10));
  CHECK(crc.value() == crc32c(all.first(10)));
}

}  // namespace uiscsi::crc::test
