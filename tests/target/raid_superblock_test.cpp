#include <catch2/catch.hpp>

#include "crc/crc32c.h"
#include "target/backend/raid/raid_error.h"
#include "target/backend/raid/superblock.h"

namespace uiscsi::target::raid {
namespace {

Superblock sample() {
  Superblock sb;
  std::error_code ec;
  sb.volume_uuid = Uuid::generate(ec);
  sb.level = Level::raid6;
  sb.raid_devices = 4;
  sb.block_size = 4096;
  sb.chunk_blocks = 16;
  sb.data_offset_blocks = kMetadataBytes / 4096;
  sb.rows = 1000;
  sb.events = 42;
  sb.clean = false;
  sb.bitmap_region_rows = 64;
  sb.bitmap_bits = 16;
  sb.ctime = 1700000000;
  sb.utime = 1700000100;
  for (std::uint16_t i = 0; i < 5; ++i) {
    DeviceEntry e{Uuid::generate(ec), i < 4 ? i : kNoRole, i < 4 ? DeviceState::in_sync : DeviceState::spare, 0};
    sb.devices.push_back(e);
  }
  sb.devices[2].state = DeviceState::rebuilding;
  sb.devices[2].rebuilt_rows = 123;
  sb.this_device = 2;
  sb.device_uuid = sb.devices[2].uuid;
  return sb;
}

TEST_CASE("superblock: encode and decode round trip", "[raid][superblock]") {
  const Superblock sb = sample();
  const auto bytes = encode(sb);
  Superblock back;
  REQUIRE_FALSE(decode(bytes, back));
  CHECK(back == sb);
  CHECK(std::to_integer<char>(bytes[0]) == 'U');  // "UIRD" on disk
}

TEST_CASE("superblock: any flipped bit is caught by the checksum", "[raid][superblock]") {
  const auto good = encode(sample());
  for (std::size_t i = 0; i < good.size(); ++i) {
    auto bad = good;
    bad[i] ^= std::byte{0x10};
    Superblock out;
    const auto ec = decode(bad, out);
    INFO("byte " << i);
    // The magic is checked first, so corrupting it reads as "not a member".
    CHECK(ec == (i < 4 ? make_error_code(raid_errc::not_a_member) : make_error_code(raid_errc::bad_superblock)));
  }
}

// Re-encode with a valid checksum after changing a field: the field checks must catch it.
TEST_CASE("superblock: contradictory fields are refused", "[raid][superblock]") {
  Superblock out;
  auto refused = [&](auto change) {
    Superblock sb = sample();
    change(sb);
    return decode(encode(sb), out) == raid_errc::bad_superblock;
  };
  CHECK(refused([](Superblock& s) { s.raid_devices = 3; }));  // too few for RAID 6
  CHECK(refused([](Superblock& s) { s.block_size = 1000; }));
  CHECK(refused([](Superblock& s) { s.data_offset_blocks = 1; }));
  CHECK(refused([](Superblock& s) { s.bitmap_bits = 3; }));
  CHECK(refused([](Superblock& s) { s.this_device = 9; }));
  CHECK(refused([](Superblock& s) { s.device_uuid = s.devices[0].uuid; }));
  CHECK(refused([](Superblock& s) { s.devices[1].role = 4; }));
  CHECK(refused([](Superblock& s) { s.devices[2].rebuilt_rows = 1001; }));
  CHECK(refused([](Superblock& s) { s.rows = 0; }));

  // Version 2 with a valid checksum: a format this build does not read.
  auto v2 = encode(sample());
  v2[4] = std::byte{2};
  const std::uint32_t crc = crc::crc32c(std::span(v2).first(kSuperblockBytes - 4));
  for (std::size_t k = 0; k < 4; ++k) v2[kSuperblockBytes - 4 + k] = static_cast<std::byte>(crc >> (8 * k));
  CHECK(decode(v2, out) == raid_errc::unsupported_version);
  CHECK(decode(std::span(v2).first(100), out) == raid_errc::bad_superblock);
  std::array<std::byte, kSuperblockBytes> zero{};
  CHECK(decode(zero, out) == raid_errc::not_a_member);
}

TEST_CASE("superblock: UUID text form", "[raid][superblock]") {
  std::error_code ec;
  const Uuid u = Uuid::generate(ec);
  REQUIRE_FALSE(ec);
  CHECK_FALSE(u.is_nil());
  const std::string s = u.to_string();
  CHECK(s.size() == 36);
  CHECK(s[14] == '4');  // version 4
  CHECK(Uuid::parse(s) == u);
  CHECK_FALSE(Uuid::parse("not-a-uuid"));
  CHECK_FALSE(Uuid::parse(std::string(36, 'x')));
}

}  // namespace
}  // namespace uiscsi::target::raid
