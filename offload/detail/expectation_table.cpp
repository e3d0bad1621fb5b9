#include "offload/detail/expectation_table.h"

#include <algorithm>
#include <cassert>

namespace uiscsi::offload::detail {

ExpectationTable::ExpectationTable(std::size_t capacity) : capacity_(capacity) {
  assert(capacity_ >= 1);
}

bool ExpectationTable::insert(std::uint32_t tag, std::uint32_t buffer_offset,
                              std::span<const iovec> buffers) {
  erase(tag);
  bool evicted = false;
  if (entries_.size() >= capacity_) {
    entries_.erase(order_.front());
    order_.pop_front();
    evicted = true;
  }
  Entry entry;
  entry.buffer_offset = buffer_offset;
  entry.buffers.assign(buffers.begin(), buffers.end());
  for (const iovec& v : buffers) entry.length += v.iov_len;
  entry.age = order_.insert(order_.end(), tag);
  entries_.emplace(tag, std::move(entry));
  return evicted;
}

void ExpectationTable::erase(std::uint32_t tag) noexcept {
  auto it = entries_.find(tag);
  if (it == entries_.end()) return;
  order_.erase(it->second.age);
  entries_.erase(it);
}

void ExpectationTable::clear() noexcept {
  entries_.clear();
  order_.clear();
}

std::span<const iovec> ExpectationTable::find(std::uint32_t tag, std::uint32_t offset,
                                              std::uint32_t length) {
  slice_.clear();
  auto it = entries_.find(tag);
  if (it == entries_.end()) return {};
  const Entry& e = it->second;
  if (offset < e.buffer_offset) return {};
  std::uint64_t skip = offset - e.buffer_offset;
  if (skip + length > e.length) return {};

  std::uint64_t want = length;
  for (const iovec& v : e.buffers) {
    if (want == 0) break;
    if (skip >= v.iov_len) {
      skip -= v.iov_len;
      continue;
    }
    const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(v.iov_len - skip, want));
    slice_.push_back({static_cast<std::byte*>(v.iov_base) + skip, take});
    want -= take;
    skip = 0;
  }
  return slice_;
}

}  // namespace uiscsi::offload::detail
