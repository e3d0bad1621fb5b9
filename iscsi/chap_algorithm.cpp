#include "iscsi/chap_algorithm.h"

#include <openssl/evp.h>

#include <array>
#include <memory>

#include "iscsi/chap_error.h"

namespace uiscsi::iscsi {
namespace {

constexpr std::array kAlgorithms = {ChapAlgorithm::md5, ChapAlgorithm::sha1, ChapAlgorithm::sha256,
                                    ChapAlgorithm::sha3_256};

const char* openssl_name(ChapAlgorithm a) noexcept {
  switch (a) {
    case ChapAlgorithm::md5: return "MD5";
    case ChapAlgorithm::sha1: return "SHA1";
    case ChapAlgorithm::sha256: return "SHA2-256";
    case ChapAlgorithm::sha3_256: return "SHA3-256";
  }
  return nullptr;
}

// The fetched digests, one per algorithm, for the life of the process: fetching is costly
// (a provider lookup under a lock), and an EVP_MD is immutable and thread-safe to share.
// nullptr where the provider lacks the digest.
const EVP_MD* digest(ChapAlgorithm a) noexcept {
  static const std::array<EVP_MD*, kAlgorithms.size()> fetched = [] {
    std::array<EVP_MD*, kAlgorithms.size()> mds{};
    for (std::size_t i = 0; i < kAlgorithms.size(); ++i) {
      mds[i] = EVP_MD_fetch(nullptr, openssl_name(kAlgorithms[i]), nullptr);
    }
    return mds;
  }();
  for (std::size_t i = 0; i < kAlgorithms.size(); ++i) {
    if (kAlgorithms[i] == a) return fetched[i];
  }
  return nullptr;
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};

}  // namespace

std::string_view chap_algorithm_name(ChapAlgorithm algorithm) noexcept {
  switch (algorithm) {
    case ChapAlgorithm::md5: return "MD5";
    case ChapAlgorithm::sha1: return "SHA-1";
    case ChapAlgorithm::sha256: return "SHA-256";
    case ChapAlgorithm::sha3_256: return "SHA3-256";
  }
  return {};
}

std::optional<ChapAlgorithm> chap_algorithm_from_number(std::uint64_t number) noexcept {
  for (const ChapAlgorithm a : kAlgorithms) {
    if (static_cast<std::uint64_t>(a) == number) return a;
  }
  return std::nullopt;
}

std::size_t chap_digest_size(ChapAlgorithm algorithm) noexcept {
  switch (algorithm) {
    case ChapAlgorithm::md5: return 16;
    case ChapAlgorithm::sha1: return 20;
    case ChapAlgorithm::sha256:
    case ChapAlgorithm::sha3_256: return 32;
  }
  return 0;
}

bool chap_algorithm_available(ChapAlgorithm algorithm) noexcept { return digest(algorithm) != nullptr; }

std::error_code chap_response(ChapAlgorithm algorithm, std::uint8_t identifier, std::span<const std::byte> secret,
                              std::span<const std::byte> challenge, std::vector<std::byte>& out) {
  const EVP_MD* md = digest(algorithm);
  if (md == nullptr) return chap_errc::unsupported_algorithm;
  const std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  std::array<unsigned char, EVP_MAX_MD_SIZE> result{};
  unsigned int length = 0;
  const unsigned char id = identifier;
  if (!ctx || EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1 || EVP_DigestUpdate(ctx.get(), &id, 1) != 1 ||
      EVP_DigestUpdate(ctx.get(), secret.data(), secret.size()) != 1 ||
      EVP_DigestUpdate(ctx.get(), challenge.data(), challenge.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), result.data(), &length) != 1) {
    return chap_errc::crypto_failure;
  }
  const auto* begin = reinterpret_cast<const std::byte*>(result.data());
  out.assign(begin, begin + length);
  return {};
}

}  // namespace uiscsi::iscsi
