#include "iscsi/digest.h"

#include "crc/crc32c.h"
#include "iscsi/detail/byte_order.h"

namespace uiscsi::iscsi {

void store_digest(std::uint32_t crc, std::span<std::byte, kDigestLength> out) noexcept {
  detail::store_le32(out.data(), crc);
}

std::uint32_t load_digest(std::span<const std::byte, kDigestLength> in) noexcept {
  return detail::load_le32(in.data());
}

std::uint32_t header_digest(const Bhs& bhs, std::span<const std::byte> ahs) noexcept {
  return crc::crc32c(ahs, crc::crc32c(std::span<const std::byte>(bhs.raw)));
}

}  // namespace uiscsi::iscsi
