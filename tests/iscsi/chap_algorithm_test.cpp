#include <catch2/catch.hpp>

#include <openssl/evp.h>

#include <string>
#include <vector>

#include "iscsi/chap_algorithm.h"
#include "iscsi/chap_error.h"
#include "iscsi/text_values.h"

using namespace uiscsi::iscsi;

namespace {

std::vector<std::byte> text_bytes(std::string_view s) {
  const auto* p = reinterpret_cast<const std::byte*>(s.data());
  return {p, p + s.size()};
}

std::vector<std::byte> from_hex(std::string_view hex) {
  std::vector<std::byte> out;
  REQUIRE_FALSE(parse_binary(std::string("0x") + std::string(hex), out));
  return out;
}

// The reference: OpenSSL's one-shot EVP_Digest over the concatenation, by digest name.
std::vector<std::byte> reference(const char* name, std::uint8_t id, std::span<const std::byte> secret,
                                 std::span<const std::byte> challenge) {
  std::vector<unsigned char> input;
  input.push_back(id);
  for (std::byte b : secret) input.push_back(std::to_integer<unsigned char>(b));
  for (std::byte b : challenge) input.push_back(std::to_integer<unsigned char>(b));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  REQUIRE(EVP_Digest(input.data(), input.size(), md, &length, EVP_get_digestbyname(name), nullptr) == 1);
  std::vector<std::byte> out;
  for (unsigned i = 0; i < length; ++i) out.push_back(std::byte{md[i]});
  return out;
}

}  // namespace

TEST_CASE("chap algorithm: numbers, names and digest sizes", "[chap]") {
  CHECK(chap_algorithm_from_number(5) == ChapAlgorithm::md5);
  CHECK(chap_algorithm_from_number(6) == ChapAlgorithm::sha1);
  CHECK(chap_algorithm_from_number(7) == ChapAlgorithm::sha256);  // not SHA-1 as in tgt
  CHECK(chap_algorithm_from_number(8) == ChapAlgorithm::sha3_256);
  CHECK_FALSE(chap_algorithm_from_number(4));
  CHECK_FALSE(chap_algorithm_from_number(9));
  CHECK_FALSE(chap_algorithm_from_number(0x105));
  CHECK(chap_digest_size(ChapAlgorithm::md5) == 16);
  CHECK(chap_digest_size(ChapAlgorithm::sha1) == 20);
  CHECK(chap_digest_size(ChapAlgorithm::sha256) == 32);
  CHECK(chap_digest_size(ChapAlgorithm::sha3_256) == 32);
  CHECK(chap_algorithm_name(ChapAlgorithm::sha3_256) == "SHA3-256");
}

// A fixed exchange: CHAP_I=17, secret "initiatorsecret1", CHAP_C=0x8e9f3c4a51062b77d01eaa5b91c402e3.
// The expected values were computed once with the openssl command line (`openssl dgst`) over
// the bytes 0x11 || secret || challenge, independently of this code.
TEST_CASE("chap algorithm: known-answer vectors", "[chap]") {
  const auto secret = text_bytes("initiatorsecret1");
  const auto challenge = from_hex("8e9f3c4a51062b77d01eaa5b91c402e3");
  struct Vector {
    ChapAlgorithm algorithm;
    std::string_view expected;
  };
  const Vector vectors[] = {
      {ChapAlgorithm::md5, "e97434312861eb7ef5ded55c461b34b0"},
      {ChapAlgorithm::sha1, "28869b0e4fc1716dbb217bc5c587c1f2ab883255"},
      {ChapAlgorithm::sha256, "7caab1c468850f1e7f67aaafbcf8f8e190b74c67e1d55fc4ff5f95e55ad0ae48"},
      {ChapAlgorithm::sha3_256, "13c7834cc5ade20c6c5f416cd038028ecd97681ffe2de97dd02133fdd4b3d968"},
  };
  for (const Vector& v : vectors) {
    INFO(chap_algorithm_name(v.algorithm));
    if (!chap_algorithm_available(v.algorithm)) continue;  // e.g. MD5 under a FIPS-only provider
    std::vector<std::byte> response;
    REQUIRE_FALSE(chap_response(v.algorithm, 17, secret, challenge, response));
    CHECK(format_hex(response) == "0x" + std::string(v.expected));
  }
}

TEST_CASE("chap algorithm: matches one-shot EVP_Digest for many inputs", "[chap]") {
  const std::pair<ChapAlgorithm, const char*> algorithms[] = {{ChapAlgorithm::md5, "MD5"},
                                                              {ChapAlgorithm::sha1, "SHA1"},
                                                              {ChapAlgorithm::sha256, "SHA256"},
                                                              {ChapAlgorithm::sha3_256, "SHA3-256"}};
  for (const auto& [algorithm, name] : algorithms) {
    if (!chap_algorithm_available(algorithm)) continue;
    for (std::size_t secret_length : {1u, 12u, 16u, 100u}) {
      for (std::size_t challenge_length : {1u, 16u, 32u, 1024u}) {
        std::vector<std::byte> secret(secret_length), challenge(challenge_length);
        for (std::size_t i = 0; i < secret_length; ++i) secret[i] = std::byte(i * 7 + 3);
        for (std::size_t i = 0; i < challenge_length; ++i) challenge[i] = std::byte(i * 13 + 1);
        for (std::uint8_t id : {std::uint8_t{0}, std::uint8_t{255}}) {
          std::vector<std::byte> response;
          REQUIRE_FALSE(chap_response(algorithm, id, secret, challenge, response));
          CHECK(response == reference(name, id, secret, challenge));
          CHECK(response.size() == chap_digest_size(algorithm));
        }
      }
    }
  }
}

TEST_CASE("chap algorithm: unknown algorithm value is refused", "[chap]") {
  std::vector<std::byte> response{std::byte{1}};
  CHECK(chap_response(static_cast<ChapAlgorithm>(9), 0, text_bytes("s"), text_bytes("c"), response) ==
        chap_errc::unsupported_algorithm);
  CHECK(response.size() == 1);
  CHECK_FALSE(chap_algorithm_available(static_cast<ChapAlgorithm>(9)));
}

TEST_CASE("chap errors: messages and login status mapping", "[chap]") {
  const std::error_code ec = chap_errc::reflected_challenge;
  CHECK(std::string(ec.category().name()) == "iscsi.chap");
  CHECK(ec.message() == "CHAP_C reflects the challenge we sent");
  CHECK(chap_login_status(chap_errc::authentication_failed) == LoginStatus::authentication_failure);
  CHECK(chap_login_status(chap_errc::unknown_name) == LoginStatus::authentication_failure);
  CHECK(chap_login_status(chap_errc::reflected_challenge) == LoginStatus::authentication_failure);
  CHECK(chap_login_status(chap_errc::mutual_not_configured) == LoginStatus::authentication_failure);
  CHECK(chap_login_status(chap_errc::malformed_value) == LoginStatus::authentication_failure);
  CHECK(chap_login_status(chap_errc::same_secret) == LoginStatus::target_error);
  CHECK(chap_login_status(chap_errc::crypto_failure) == LoginStatus::target_error);
  CHECK(chap_login_status({}) == LoginStatus::success);
  CHECK(chap_login_status(LoginStatus::authorization_failure) == LoginStatus::authorization_failure);
  CHECK(chap_login_status(std::make_error_code(std::errc::io_error)) == LoginStatus::target_error);
  CHECK(std::error_code(chap_login_status(chap_errc::authentication_failed)).message() ==
        "initiator error: authentication failure (0x0201)");
}
