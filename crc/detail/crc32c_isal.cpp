// CRC32C through ISA-L. crc32_iscsi works on the raw register, exactly like our engines:
// the iSCSI digest is ~crc32_iscsi(buf, len, ~0).
#include <isa-l/crc.h>

#include <climits>

#include "crc/detail/crc32c_engines.h"

namespace uiscsi::crc::detail {

std::uint32_t isal_update(std::uint32_t reg, const std::byte* data, std::size_t size) noexcept {
  // crc32_iscsi takes an int length and a non-const pointer (it never writes through it),
  // so longer buffers go through in pieces of at most INT_MAX bytes.
  auto* p = reinterpret_cast<unsigned char*>(const_cast<std::byte*>(data));
  while (size > 0) {
    const int n = size > static_cast<std::size_t>(INT_MAX) ? INT_MAX : static_cast<int>(size);
    reg = crc32_iscsi(p, n, reg);
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return reg;
}

}  // namespace uiscsi::crc::detail
