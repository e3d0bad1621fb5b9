// HeaderDigest and DataDigest (RFC 7143 11.1, 13.1): CRC32C over the header (BHS + AHS)
// and over the data segment including its padding.
//
// Wire byte order: the digest is the finished CRC32C value (crc/crc32c.h) stored
// least-significant byte first. RFC 3720 B.4 shows it: 32 zero bytes have CRC32C 0x8a9136aa
// and the example lists its bytes as "aa 36 91 8a"; Linux iscsi_tcp sends the __le32 the
// crypto crc32c transform produces. (The RFC's "most significant bit first" wording refers
// to the bit-reflected CRC register, which ends up as this little-endian layout.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "iscsi/bhs.h"

namespace uiscsi::iscsi {

// Which digests a connection uses (HeaderDigest / DataDigest keys, RFC 7143 13.1).
// Both are off during login, and change only between PDUs.
struct DigestConfig {
  bool header_digest = false;
  bool data_digest = false;

  friend bool operator==(const DigestConfig&, const DigestConfig&) = default;
};

inline constexpr std::size_t kDigestLength = 4;

// The 4 wire bytes of a digest value, and back.
void store_digest(std::uint32_t crc, std::span<std::byte, kDigestLength> out) noexcept;
std::uint32_t load_digest(std::span<const std::byte, kDigestLength> in) noexcept;

// CRC32C over BHS followed by AHS.
std::uint32_t header_digest(const Bhs& bhs, std::span<const std::byte> ahs) noexcept;

}  // namespace uiscsi::iscsi
