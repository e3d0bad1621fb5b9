// RAID 5 and RAID 6 parity over one row's column range, on ISA-L.
//
// A row's units are numbered 0 .. d-1 for data, d for P and d+1 for Q (see layout.h):
//   P = D_0 ^ D_1 ^ ... ^ D_{d-1}
//   Q = sum over i of g^i * D_i in GF(2^8) (polynomial 0x11d, generator g = 2)
// which is what ISA-L's xor_gen and pq_gen compute, and the same field as its erasure
// code functions (gf_mul, gf_invert_matrix, ec_encode_data) that recover lost units.
//
// Buffers: every pointer is aligned to kAlignment and every length is a multiple of
// kLengthMultiple (xor_gen/pq_gen need 32-byte aligned vectors whose length is a multiple
// of 32; the AVX-512 versions want 64). The caller owns all buffers; nothing is kept.
// pq_gen needs at least two data units, which Layout guarantees (RAID 6 has n >= 4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>

namespace uiscsi::target::raid::parity {

inline constexpr std::size_t kAlignment = 64;
inline constexpr std::size_t kLengthMultiple = 64;

// Computes P (and Q when `q` is not null) of the data units.
void generate(std::span<std::byte* const> data, std::byte* p, std::byte* q, std::size_t len) noexcept;

// Whether P (and Q when `q` is not null) match the data units.
bool check(std::span<std::byte* const> data, std::byte* p, std::byte* q, std::size_t len) noexcept;

// Read-modify-write update of parity for changed data units:
//   new_p = old_p ^ sum(old_i ^ new_i),  new_q = old_q ^ sum(g^index_i * (old_i ^ new_i)).
// `indexes[k]` is the data unit number of `old_data[k]`/`new_data[k]`. `new_q` and `old_q`
// are null for RAID 5. At most 32 changed units.
void update(std::span<const std::uint32_t> indexes, std::span<std::byte* const> old_data,
            std::span<std::byte* const> new_data, std::byte* old_p, std::byte* new_p, std::byte* old_q,
            std::byte* new_q, std::size_t len) noexcept;

// Recomputes the units listed in `lost` (at most `parity_units` of them) from the others.
// `units` holds d + parity_units pointers: data, P, Q. The buffers of lost units are
// output; the others are only read. Error: std::errc::invalid_argument when more units are
// lost than the parity can recover.
std::error_code reconstruct(std::uint32_t data_units, std::uint32_t parity_units, std::span<std::byte* const> units,
                            std::span<const std::uint32_t> lost, std::size_t len) noexcept;

}  // namespace uiscsi::target::raid::parity
