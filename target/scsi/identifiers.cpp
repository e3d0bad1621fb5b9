#include <openssl/evp.h>

#include "target/scsi/detail/lu_state.h"

namespace uiscsi::target::scsi::detail {

std::array<std::byte, 16> make_naa_designator(std::uint32_t ieee_company_id, std::string_view serial) {
  unsigned char digest[EVP_MAX_MD_SIZE] = {};
  unsigned int digest_length = 0;
  // A one-shot digest; it cannot fail for SHA-256 short of memory exhaustion, in which case
  // the designator is the company id with zeroes, still well-formed.
  EVP_Digest(serial.data(), serial.size(), digest, &digest_length, EVP_sha256(), nullptr);
  // SPC-4 7.8.6.6.5: NAA (4 bits) = 6h | IEEE COMPANY_ID (24 bits) | VENDOR SPECIFIC
  // IDENTIFIER (36 bits) | VENDOR SPECIFIC IDENTIFIER EXTENSION (64 bits).
  std::array<std::byte, 16> d{};
  const std::uint32_t oui = ieee_company_id & 0xffffff;
  d[0] = std::byte(0x60 | (oui >> 20));
  d[1] = std::byte(oui >> 12);
  d[2] = std::byte(oui >> 4);
  d[3] = std::byte(((oui & 0xf) << 4) | (digest[0] & 0x0f));
  for (std::size_t i = 4; i < d.size(); ++i) d[i] = std::byte{digest[i - 3]};
  return d;
}

}  // namespace uiscsi::target::scsi::detail
