#include "target/backend/raid/parity.h"

#include <isa-l/erasure_code.h>
#include <isa-l/raid.h>

#include <algorithm>
#include <array>

#include "target/backend/raid/layout.h"

namespace uiscsi::target::raid::parity {
namespace {

constexpr std::size_t kMaxUnits = kMaxRaidDevices;
constexpr std::size_t kMaxUpdate = 32;

// g^i for the RAID 6 generator g = 2, computed with ISA-L's field multiply.
unsigned char generator_power(std::uint32_t i) noexcept {
  unsigned char v = 1;
  for (std::uint32_t k = 0; k < i; ++k) v = gf_mul(v, 2);
  return v;
}

// out = sum over k of coefficients[k] * sources[k], one output row, with ISA-L's
// table-driven dot product.
void dot_product(std::span<const unsigned char> coefficients, std::span<std::byte* const> sources, std::byte* out,
                 std::size_t len) noexcept {
  std::array<unsigned char, 32 * (2 * kMaxUpdate + 1)> tables{};
  std::array<unsigned char*, 2 * kMaxUpdate + 1> src{};
  const int k = static_cast<int>(sources.size());
  for (std::size_t i = 0; i < sources.size(); ++i) src[i] = reinterpret_cast<unsigned char*>(sources[i]);
  // ec_init_tables only reads the coefficients; its parameter is just not const.
  ec_init_tables(k, 1, const_cast<unsigned char*>(coefficients.data()), tables.data());
  unsigned char* dest = reinterpret_cast<unsigned char*>(out);
  ec_encode_data(static_cast<int>(len), k, 1, tables.data(), src.data(), &dest);
}

}  // namespace

void generate(std::span<std::byte* const> data, std::byte* p, std::byte* q, std::size_t len) noexcept {
  std::array<void*, kMaxUnits + 2> v{};
  std::copy(data.begin(), data.end(), v.begin());
  v[data.size()] = p;
  if (q == nullptr) {
    xor_gen(static_cast<int>(data.size() + 1), static_cast<int>(len), v.data());
  } else {
    v[data.size() + 1] = q;
    pq_gen(static_cast<int>(data.size() + 2), static_cast<int>(len), v.data());
  }
}

bool check(std::span<std::byte* const> data, std::byte* p, std::byte* q, std::size_t len) noexcept {
  std::array<void*, kMaxUnits + 2> v{};
  std::copy(data.begin(), data.end(), v.begin());
  v[data.size()] = p;
  if (q == nullptr) return xor_check(static_cast<int>(data.size() + 1), static_cast<int>(len), v.data()) == 0;
  v[data.size() + 1] = q;
  return pq_check(static_cast<int>(data.size() + 2), static_cast<int>(len), v.data()) == 0;
}

void update(std::span<const std::uint32_t> indexes, std::span<std::byte* const> old_data,
            std::span<std::byte* const> new_data, std::byte* old_p, std::byte* new_p, std::byte* old_q,
            std::byte* new_q, std::size_t len) noexcept {
  const std::size_t m = indexes.size();
  // P: one XOR over old P, the old and the new data.
  std::array<void*, 2 * kMaxUpdate + 2> v{};
  v[0] = old_p;
  for (std::size_t k = 0; k < m; ++k) {
    v[1 + k] = old_data[k];
    v[1 + m + k] = new_data[k];
  }
  v[1 + 2 * m] = new_p;
  xor_gen(static_cast<int>(2 * m + 2), static_cast<int>(len), v.data());
  if (new_q == nullptr) return;
  // Q: g^i * old_i and g^i * new_i cancel where the data did not change.
  std::array<unsigned char, 2 * kMaxUpdate + 1> coefficients{};
  std::array<std::byte*, 2 * kMaxUpdate + 1> sources{};
  coefficients[0] = 1;
  sources[0] = old_q;
  for (std::size_t k = 0; k < m; ++k) {
    coefficients[1 + k] = coefficients[1 + m + k] = generator_power(indexes[k]);
    sources[1 + k] = old_data[k];
    sources[1 + m + k] = new_data[k];
  }
  dot_product(std::span(coefficients).first(2 * m + 1), std::span(sources).first(2 * m + 1), new_q, len);
}

std::error_code reconstruct(std::uint32_t data_units, std::uint32_t parity_units, std::span<std::byte* const> units,
                            std::span<const std::uint32_t> lost, std::size_t len) noexcept {
  const std::uint32_t d = data_units;
  if (lost.size() > parity_units) return std::make_error_code(std::errc::invalid_argument);
  std::array<bool, kMaxUnits + 2> is_lost{};
  std::array<std::uint32_t, 2> lost_data{};
  std::size_t lost_data_count = 0;
  for (auto u : lost) {
    if (u >= d + parity_units) return std::make_error_code(std::errc::invalid_argument);
    is_lost[u] = true;
    if (u < d) lost_data[lost_data_count++] = u;
  }
  const auto data = units.first(d);

  if (lost_data_count == 1 && !is_lost[d]) {
    // One data unit and P survives: XOR of the rest, the cheap path RAID 5 always takes.
    std::array<void*, kMaxUnits + 2> v{};
    std::size_t k = 0;
    for (std::uint32_t u = 0; u <= d; ++u)
      if (u != lost_data[0]) v[k++] = units[u];
    v[k++] = units[lost_data[0]];
    xor_gen(static_cast<int>(k), static_cast<int>(len), v.data());
  } else if (lost_data_count > 0) {
    // RAID 6 needing Q: the surviving units are d rows of the (d+2) x d generator matrix
    // (identity, all ones, powers of g); inverting those rows gives each lost data unit
    // as a combination of the survivors.
    std::array<unsigned char, kMaxUnits * kMaxUnits> rows{};
    std::array<unsigned char, kMaxUnits * kMaxUnits> inverse{};
    std::array<std::byte*, kMaxUnits> survivors{};
    std::uint32_t s = 0;
    for (std::uint32_t u = 0; u < d + 2 && s < d; ++u) {
      if (is_lost[u]) continue;
      for (std::uint32_t j = 0; j < d; ++j) {
        unsigned char c = 0;
        if (u < d) c = (u == j) ? 1 : 0;
        else if (u == d) c = 1;
        else c = generator_power(j);
        rows[s * d + j] = c;
      }
      survivors[s++] = units[u];
    }
    if (gf_invert_matrix(rows.data(), inverse.data(), static_cast<int>(d)) != 0)
      return std::make_error_code(std::errc::invalid_argument);
    for (std::size_t k = 0; k < lost_data_count; ++k) {
      dot_product(std::span(inverse).subspan(lost_data[k] * d, d), std::span(survivors).first(d),
                  units[lost_data[k]], len);
    }
  }

  // Parity last, from the now complete data.
  std::byte* p = is_lost[d] ? units[d] : nullptr;
  std::byte* q = parity_units == 2 && is_lost[d + 1] ? units[d + 1] : nullptr;
  if (p != nullptr) {
    generate(data, p, q, len);
  } else if (q != nullptr) {
    // Q alone: pq_gen would overwrite the surviving P, so use the dot product.
    std::array<unsigned char, kMaxUnits> powers{};
    for (std::uint32_t j = 0; j < d; ++j) powers[j] = generator_power(j);
    dot_product(std::span(powers).first(d), data, q, len);
  }
  return {};
}

}  // namespace uiscsi::target::raid::parity
