// Argument checks every Backend implementation shares.
#pragma once

#include <cstddef>
#include <cstdint>
#include <system_error>

#include "target/backend/backend.h"
#include "target/backend/error.h"

namespace uiscsi::target::detail {

// Blocks [lba, lba + blocks) lie inside the device (overflow-safe).
inline bool in_range(const Geometry& g, std::uint64_t lba, std::uint64_t blocks) noexcept {
  return lba <= g.block_count && blocks <= g.block_count - lba;
}

// The common precondition of read()/write(): a whole number of blocks, inside the device.
inline std::error_code check_io(const Geometry& g, std::uint64_t lba, std::size_t bytes) noexcept {
  if (bytes % g.block_size != 0) return backend_errc::misaligned;
  if (!in_range(g, lba, bytes / g.block_size)) return backend_errc::out_of_range;
  return {};
}

// A valid logical block size: a power of two from 512 to 64 KiB.
inline bool valid_block_size(std::uint32_t block_size) noexcept {
  return block_size >= 512 && block_size <= 65536 && (block_size & (block_size - 1)) == 0;
}

}  // namespace uiscsi::target::detail
