#include "initiator/detail/iovec.h"

#include <algorithm>
#include <cstring>

namespace uiscsi::initiator::detail {

std::size_t total_size(std::span<const iovec> buffers) noexcept {
  std::size_t n = 0;
  for (const iovec& v : buffers) n += v.iov_len;
  return n;
}

void slice(std::span<const iovec> buffers, std::size_t offset, std::size_t length, std::vector<iovec>& out) {
  for (const iovec& v : buffers) {
    if (length == 0) return;
    if (offset >= v.iov_len) {
      offset -= v.iov_len;
      continue;
    }
    const std::size_t n = std::min(v.iov_len - offset, length);
    out.push_back({static_cast<std::byte*>(v.iov_base) + offset, n});
    offset = 0;
    length -= n;
  }
}

bool copy_into(std::span<const iovec> buffers, std::size_t offset, std::span<const std::byte> data) noexcept {
  if (offset > total_size(buffers) || data.size() > total_size(buffers) - offset) return false;
  for (const iovec& v : buffers) {
    if (data.empty()) break;
    if (offset >= v.iov_len) {
      offset -= v.iov_len;
      continue;
    }
    const std::size_t n = std::min(v.iov_len - offset, data.size());
    std::memcpy(static_cast<std::byte*>(v.iov_base) + offset, data.data(), n);
    offset = 0;
    data = data.subspan(n);
  }
  return true;
}

}  // namespace uiscsi::initiator::detail
