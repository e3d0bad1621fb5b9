// The expectation table behind Transport::expect()/forget(): Initiator Task Tag -> the
// buffers that receive that task's data segments, and the BufferOffset they start at.
//
// Bounded and best-effort, like the placement path's flow table: when full, inserting
// evicts the oldest entry, and a lookup that finds nothing (or a range the entry does not
// cover) makes the caller fall back to an owned buffer. Correctness never depends on it.
//
// Ownership: the table copies the iovec array; the memory the iovecs point to stays the
// caller's and must stay valid until the entry is erased, evicted or the table cleared.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <list>
#include <span>
#include <unordered_map>
#include <vector>

namespace uiscsi::offload::detail {

class ExpectationTable {
 public:
  // Precondition: capacity >= 1.
  explicit ExpectationTable(std::size_t capacity);

  // Registers (or replaces) the buffers of `tag`; they hold the task's data from
  // BufferOffset `buffer_offset` on. Returns whether an older entry was evicted.
  bool insert(std::uint32_t tag, std::uint32_t buffer_offset, std::span<const iovec> buffers);
  void erase(std::uint32_t tag) noexcept;
  void clear() noexcept;

  // The slice of tag's buffers that holds the data at [offset, offset + length). Empty if
  // there is no entry for `tag` or it does not cover the whole range. The span points into
  // scratch storage of the table and is valid until the next call on the table.
  std::span<const iovec> find(std::uint32_t tag, std::uint32_t offset, std::uint32_t length);

  std::size_t size() const noexcept { return entries_.size(); }
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  struct Entry {
    std::uint32_t buffer_offset = 0;
    std::uint64_t length = 0;  // sum of the iovec lengths
    std::vector<iovec> buffers;
    std::list<std::uint32_t>::iterator age;  // position in order_
  };

  std::size_t capacity_;
  std::unordered_map<std::uint32_t, Entry> entries_;
  std::list<std::uint32_t> order_;  // oldest first
  std::vector<iovec> slice_;        // result of the last find()
};

}  // namespace uiscsi::offload::detail
