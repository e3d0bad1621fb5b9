// Known-answer tests: RFC 3720 Appendix B.4 (also RFC 7143 Appendix A.4) and the
// CRC-32C check value from the CRC catalogues.
#include <catch2/catch.hpp>

#include <array>
#include <string_view>

#include "crc_test_support.h"

namespace uiscsi::crc::test {
namespace {

std::array<std::byte, 32> filled(std::uint8_t value) {
  std::array<std::byte, 32> a;
  a.fill(std::byte{value});
  return a;
}

std::array<std::byte, 32> ramp(bool ascending) {
  std::array<std::byte, 32> a;
  for (std::size_t i = 0; i < a.size(); ++i)
    a[i] = std::byte(static_cast<std::uint8_t>(ascending ? i : 31 - i));
  return a;
}

// RFC 3720 B.4: "An iSCSI - SCSI Read (10) Command PDU", 48 bytes of BHS.
constexpr std::array<std::uint8_t, 48> kReadCommandPdu = {
    0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
    0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

}  // namespace

TEST_CASE("RFC 3720 B.4 CRC32C examples, every engine", "[crc][rfc]") {
  const Engine engine = GENERATE(from_range(available_engines()));
  CAPTURE(name(engine));

  CHECK(crc32c(engine, filled(0x00)) == 0x8A9136AAu);
  CHECK(crc32c(engine, filled(0xFF)) == 0x62A8AB43u);
  CHECK(crc32c(engine, ramp(true)) == 0x46DD794Eu);
  CHECK(crc32c(engine, ramp(false)) == 0x113FDB5Cu);
  CHECK(crc32c(engine, std::as_bytes(std::span(kReadCommandPdu))) == 0xD9963A56u);

  const std::string_view check = "123456789";
  CHECK(crc32c(engine, std::as_bytes(std::span(check))) == 0xE3069283u);
  CHECK(crc32c(engine, std::span<const std::byte>{}) == 0u);
}

TEST_CASE("the bit-at-a-time reference reproduces RFC 3720 B.4", "[crc][rfc]") {
  // The cross-checks lean on this reference, so it must meet the RFC on its own.
  CHECK(reference_crc32c(filled(0x00)) == 0x8A9136AAu);
  CHECK(reference_crc32c(filled(0xFF)) == 0x62A8AB43u);
  CHECK(reference_crc32c(ramp(true)) == 0x46DD794Eu);
  CHECK(reference_crc32c(ramp(false)) == 0x113FDB5Cu);
  CHECK(reference_crc32c(std::as_bytes(std::span(kReadCommandPdu))) == 0xD9963A56u);
}

TEST_CASE("default entry points match the best engine", "[crc]") {
  const auto data = random_bytes(10000, 7);
  CHECK(crc32c(data) == crc32c(best_engine(), data));
  CHECK(crc32c(std::as_bytes(std::span(kReadCommandPdu))) == 0xD9963A56u);
}

}  // namespace uiscsi::crc::test
