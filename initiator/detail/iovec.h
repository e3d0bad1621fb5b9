// Byte ranges of a caller's scatter-gather list. The iovecs always point into memory the
// caller owns (initiator/command.h); these helpers only compute views and copy into them.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <span>
#include <vector>

namespace uiscsi::initiator::detail {

std::size_t total_size(std::span<const iovec> buffers) noexcept;

// Appends to `out` the iovecs that cover bytes [offset, offset + length) of `buffers` (cut
// at both ends). Precondition: offset + length <= total_size(buffers).
void slice(std::span<const iovec> buffers, std::size_t offset, std::size_t length, std::vector<iovec>& out);

// Copies `data` to bytes [offset, offset + data.size()) of `buffers`. False (and nothing
// copied) if that range is not inside them.
bool copy_into(std::span<const iovec> buffers, std::size_t offset, std::span<const std::byte> data) noexcept;

}  // namespace uiscsi::initiator::detail
