// Which part of a RAID 5/6 row one write covers.
//
// A row holds d data units of C blocks each; a write covers the contiguous blocks
// [first, first + blocks) of the row's data (unit u, column x is block u*C + x). Parity
// changes in the columns [c0, c1): the written columns when the write stays inside one
// unit, all C columns otherwise (the first and last units may be partial, and their
// union spans the whole chunk width whenever more than one unit is touched).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace uiscsi::target::raid::detail {

class RowWrite {
 public:
  RowWrite(std::uint64_t first, std::uint64_t blocks, std::uint64_t chunk_blocks) noexcept
      : first_(first),
        last_(first + blocks - 1),
        chunk_(chunk_blocks),
        first_unit_(static_cast<std::uint32_t>(first / chunk_blocks)),
        last_unit_(static_cast<std::uint32_t>(last_ / chunk_blocks)),
        c0_(first_unit_ == last_unit_ ? first % chunk_blocks : 0),
        c1_(first_unit_ == last_unit_ ? last_ % chunk_blocks + 1 : chunk_blocks) {}

  std::uint64_t c0() const noexcept { return c0_; }
  std::uint64_t c1() const noexcept { return c1_; }
  std::uint64_t columns() const noexcept { return c1_ - c0_; }
  std::uint32_t first_unit() const noexcept { return first_unit_; }
  std::uint32_t last_unit() const noexcept { return last_unit_; }

  bool touched(std::uint32_t unit) const noexcept { return unit >= first_unit_ && unit <= last_unit_; }
  // The written columns of a touched unit: [cover_begin, cover_end).
  std::uint64_t cover_begin(std::uint32_t unit) const noexcept { return unit == first_unit_ ? first_ % chunk_ : 0; }
  std::uint64_t cover_end(std::uint32_t unit) const noexcept { return unit == last_unit_ ? last_ % chunk_ + 1 : chunk_; }
  // Whether the write replaces all of the unit's columns in [c0, c1).
  bool full(std::uint32_t unit) const noexcept {
    return touched(unit) && cover_begin(unit) == c0_ && cover_end(unit) == c1_;
  }
  // The position, in blocks from the start of the written data, of (unit, column).
  std::uint64_t source_block(std::uint32_t unit, std::uint64_t column) const noexcept {
    return unit * chunk_ + column - first_;
  }

 private:
  std::uint64_t first_;
  std::uint64_t last_;
  std::uint64_t chunk_;
  std::uint32_t first_unit_;
  std::uint32_t last_unit_;
  std::uint64_t c0_;
  std::uint64_t c1_;
};

}  // namespace uiscsi::target::raid::detail
