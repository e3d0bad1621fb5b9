// SHA-256 of test data through OpenSSL EVP, as hex.
#pragma once

#include <openssl/evp.h>

#include <cstddef>
#include <span>
#include <string>

namespace uiscsi::initiator::test {

inline std::string sha256(std::span<const std::byte> data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

}  // namespace uiscsi::initiator::test
