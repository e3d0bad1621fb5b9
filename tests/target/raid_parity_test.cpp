#include <catch2/catch.hpp>

#include <isa-l/erasure_code.h>

#include <random>
#include <vector>

#include "target/backend/raid/detail/aligned_buffer.h"
#include "target/backend/raid/parity.h"

namespace uiscsi::target::raid {
namespace {

constexpr std::size_t kLen = 4096;

// A row of d data units plus P and Q, random data, parity from generate().
struct Row {
  std::uint32_t d;
  std::vector<detail::AlignedBuffer> buffers;
  std::vector<std::byte*> ptr;

  Row(std::uint32_t data_units, std::uint64_t seed) : d(data_units) {
    std::mt19937_64 rng(seed);
    for (std::uint32_t u = 0; u < d + 2; ++u) {
      buffers.emplace_back(kLen);
      ptr.push_back(buffers.back().data());
      for (std::size_t i = 0; i < kLen; ++i) ptr.back()[i] = static_cast<std::byte>(rng());
    }
    parity::generate(std::span(ptr).first(d), ptr[d], ptr[d + 1], kLen);
  }
  std::vector<std::byte> unit(std::uint32_t u) const { return {ptr[u], ptr[u] + kLen}; }
};

// Q by the definition, byte by byte with ISA-L's field multiply: sum of g^i * D_i.
std::vector<std::byte> q_by_definition(const Row& r) {
  std::vector<std::byte> q(kLen);
  for (std::size_t i = 0; i < kLen; ++i) {
    unsigned char acc = 0;
    unsigned char g = 1;
    for (std::uint32_t u = 0; u < r.d; ++u) {
      acc ^= gf_mul(g, std::to_integer<unsigned char>(r.ptr[u][i]));
      g = gf_mul(g, 2);
    }
    q[i] = static_cast<std::byte>(acc);
  }
  return q;
}

TEST_CASE("parity: P is the XOR and Q the g=2 syndrome of the data", "[raid][parity]") {
  for (std::uint32_t d : {2u, 3u, 7u}) {
    Row r(d, d);
    std::vector<std::byte> p(kLen);
    for (std::size_t i = 0; i < kLen; ++i)
      for (std::uint32_t u = 0; u < d; ++u) p[i] ^= r.ptr[u][i];
    CHECK(r.unit(d) == p);
    CHECK(r.unit(d + 1) == q_by_definition(r));
    CHECK(parity::check(std::span(r.ptr).first(d), r.ptr[d], r.ptr[d + 1], kLen));
    r.ptr[1][100] ^= std::byte{1};
    CHECK_FALSE(parity::check(std::span(r.ptr).first(d), r.ptr[d], nullptr, kLen));
    CHECK_FALSE(parity::check(std::span(r.ptr).first(d), r.ptr[d], r.ptr[d + 1], kLen));
  }
}

TEST_CASE("parity: every single and double loss of a RAID 6 row is recovered", "[raid][parity]") {
  for (std::uint32_t d : {2u, 3u, 5u}) {
    const Row original(d, 100 + d);
    for (std::uint32_t a = 0; a < d + 2; ++a) {
      for (std::uint32_t b = a; b < d + 2; ++b) {
        Row r(d, 100 + d);
        std::vector<std::uint32_t> lost{a};
        if (b != a) lost.push_back(b);
        for (auto u : lost) std::fill_n(r.ptr[u], kLen, std::byte{0xee});
        INFO("d=" << d << " lost " << a << "," << b);
        REQUIRE_FALSE(parity::reconstruct(d, 2, r.ptr, lost, kLen));
        for (auto u : lost) CHECK(r.unit(u) == original.unit(u));
      }
    }
  }
}

TEST_CASE("parity: RAID 5 recovers one unit and refuses two", "[raid][parity]") {
  const std::uint32_t d = 4;
  const Row original(d, 7);
  for (std::uint32_t a = 0; a <= d; ++a) {
    Row r(d, 7);
    std::fill_n(r.ptr[a], kLen, std::byte{0});
    const std::uint32_t lost[] = {a};
    REQUIRE_FALSE(parity::reconstruct(d, 1, std::span(r.ptr).first(d + 1), lost, kLen));
    CHECK(r.unit(a) == original.unit(a));
  }
  Row r(d, 7);
  const std::uint32_t two[] = {0, 1};
  CHECK(parity::reconstruct(d, 1, std::span(r.ptr).first(d + 1), two, kLen) == std::errc::invalid_argument);
}

TEST_CASE("parity: read-modify-write update equals a fresh generate", "[raid][parity]") {
  const std::uint32_t d = 5;
  Row r(d, 11);
  // Change units 1 and 3.
  std::vector<detail::AlignedBuffer> fresh;
  std::vector<std::byte*> old_data{r.ptr[1], r.ptr[3]};
  std::vector<std::byte*> new_data;
  std::mt19937_64 rng(12);
  for (int k = 0; k < 2; ++k) {
    fresh.emplace_back(kLen);
    new_data.push_back(fresh.back().data());
    for (std::size_t i = 0; i < kLen; ++i) new_data.back()[i] = static_cast<std::byte>(rng());
  }
  detail::AlignedBuffer new_p(kLen), new_q(kLen);
  const std::uint32_t index[] = {1, 3};
  parity::update(index, old_data, new_data, r.ptr[d], new_p.data(), r.ptr[d + 1], new_q.data(), kLen);

  std::vector<std::byte*> after = r.ptr;
  after[1] = new_data[0];
  after[3] = new_data[1];
  detail::AlignedBuffer p(kLen), q(kLen);
  parity::generate(std::span(after).first(d), p.data(), q.data(), kLen);
  CHECK(std::equal(p.data(), p.data() + kLen, new_p.data()));
  CHECK(std::equal(q.data(), q.data() + kLen, new_q.data()));
}

}  // namespace
}  // namespace uiscsi::target::raid
