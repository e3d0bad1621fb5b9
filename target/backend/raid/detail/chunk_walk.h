// Splits a block range of the volume into pieces that each stay inside one logical chunk.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <system_error>

namespace uiscsi::target::raid::detail {

// Calls fn(chunk, offset_in_chunk, blocks, offset_in_request) for each piece of
// [lba, lba + blocks), in order; offsets and counts in blocks. Stops at the first error.
template <typename Fn>
std::error_code walk_chunks(std::uint64_t lba, std::uint64_t blocks, std::uint64_t chunk_blocks, Fn&& fn) noexcept {
  std::uint64_t done = 0;
  while (done < blocks) {
    const std::uint64_t at = lba + done;
    const std::uint64_t offset = at % chunk_blocks;
    const std::uint64_t count = std::min(chunk_blocks - offset, blocks - done);
    if (auto ec = fn(at / chunk_blocks, offset, count, done)) return ec;
    done += count;
  }
  return {};
}

}  // namespace uiscsi::target::raid::detail
