#include <catch2/catch.hpp>

#include <vector>

#include "target/backend/error.h"
#include "target/backend/ram_backend.h"

namespace uiscsi::target {
namespace {

std::vector<std::byte> fill(std::size_t n, int v) { return std::vector<std::byte>(n, static_cast<std::byte>(v)); }

TEST_CASE("RamBackend stores what is written and starts zeroed", "[backend][ram]") {
  std::error_code ec;
  auto ram = RamBackend::create({512, 64}, ec);
  REQUIRE_FALSE(ec);
  CHECK(ram->geometry() == Geometry{512, 64});
  CHECK(ram->features().unmap);
  CHECK(ram->features().unmap_reads_zeroes);

  std::vector<std::byte> out(1024, std::byte{0xff});
  REQUIRE_FALSE(ram->read(0, out));
  CHECK(out == fill(1024, 0));
  REQUIRE_FALSE(ram->write(10, fill(1024, 7), false));
  REQUIRE_FALSE(ram->read(10, out));
  CHECK(out == fill(1024, 7));
  CHECK_FALSE(ram->flush());
}

TEST_CASE("RamBackend refuses bad geometry and bad requests", "[backend][ram]") {
  std::error_code ec;
  CHECK_FALSE(RamBackend::create({500, 64}, ec));
  CHECK(ec == backend_errc::invalid_config);
  CHECK_FALSE(RamBackend::create({512, 0}, ec));
  CHECK(ec == backend_errc::invalid_config);

  auto ram = RamBackend::create({4096, 8}, ec);
  REQUIRE(ram);
  std::vector<std::byte> buf(4096);
  CHECK(ram->read(8, buf) == backend_errc::out_of_range);
  CHECK(ram->write(7, std::vector<std::byte>(8192), false) == backend_errc::out_of_range);
  CHECK(ram->read(0, std::span<std::byte>(buf).first(100)) == backend_errc::misaligned);
  CHECK(ram->unmap(7, 2) == backend_errc::out_of_range);
  CHECK(ram->write_zeroes(~std::uint64_t{0}, 2, false) == backend_errc::out_of_range);
  Extent e;
  CHECK(ram->provisioning_status(8, e) == backend_errc::out_of_range);
}

TEST_CASE("RamBackend unmap and write_zeroes read back as zeroes, neighbours intact", "[backend][ram]") {
  std::error_code ec;
  auto ram = RamBackend::create({512, 256}, ec);  // 128 KiB: whole pages and partial ones
  REQUIRE(ram);
  REQUIRE_FALSE(ram->write(0, fill(256 * 512, 0x5a), false));

  SECTION("unmap across page boundaries") {
    REQUIRE_FALSE(ram->unmap(3, 40));
    std::vector<std::byte> all(256 * 512);
    REQUIRE_FALSE(ram->read(0, all));
    for (std::size_t b = 0; b < 256; ++b) {
      const auto expect = (b >= 3 && b < 43) ? std::byte{0} : std::byte{0x5a};
      INFO("block " << b);
      CHECK(all[b * 512] == expect);
      CHECK(all[b * 512 + 511] == expect);
    }
  }
  SECTION("write_zeroes") {
    REQUIRE_FALSE(ram->write_zeroes(1, 2, true));
    std::vector<std::byte> out(4 * 512);
    REQUIRE_FALSE(ram->read(0, out));
    CHECK(out[0] == std::byte{0x5a});
    CHECK(out[512] == std::byte{0});
    CHECK(out[3 * 512 - 1] == std::byte{0});
    CHECK(out[3 * 512] == std::byte{0x5a});
  }
  SECTION("everything is reported mapped") {
    Extent e;
    REQUIRE_FALSE(ram->provisioning_status(10, e));
    CHECK(e == Extent{10, 246, ProvisioningState::mapped});
  }
}

}  // namespace
}  // namespace uiscsi::target
