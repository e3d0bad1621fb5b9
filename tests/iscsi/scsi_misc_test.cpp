#include <catch2/catch.hpp>

#include <vector>

#include "iscsi/scsi_cdb_build.h"
#include "iscsi/scsi_lun.h"
#include "iscsi/scsi_status.h"
#include "iscsi/scsi_unmap.h"
#include "iscsi/sense_codes.h"

using namespace uiscsi::iscsi::scsi;

static_assert(encode_lun(5) == 0x0005000000000000u);
static_assert(decode_lun(0x0005000000000000u) == 5);

TEST_CASE("lun: peripheral below 256, flat space up to 16383", "[scsi_lun]") {
  CHECK(encode_lun(0) == 0u);
  CHECK(encode_lun(255) == 0x00ff000000000000u);
  CHECK(encode_lun(256) == 0x4100000000000000u);
  CHECK(encode_lun(kMaxLun) == 0x7fff000000000000u);
  CHECK_FALSE(encode_lun(kMaxLun + 1));
  for (std::uint32_t lun = 0; lun <= kMaxLun; ++lun) {
    const auto field = encode_lun(static_cast<std::uint16_t>(lun));
    REQUIRE(field);
    REQUIRE(decode_lun(*field) == lun);
  }
}

TEST_CASE("lun: decoding refuses other methods, buses and levels", "[scsi_lun]") {
  CHECK(decode_lun(0x4005000000000000u) == 5);       // flat space form of a small LUN
  CHECK_FALSE(decode_lun(0x0105000000000000u));      // peripheral, bus 1
  CHECK_FALSE(decode_lun(0x8005000000000000u));      // logical unit addressing
  CHECK_FALSE(decode_lun(0xc005000000000000u));      // extended addressing
  CHECK_FALSE(decode_lun(0x0005000100000000u));      // second level present
  CHECK_FALSE(decode_lun(0x0000000000000001u));
}

TEST_CASE("status: names and error codes", "[scsi_status]") {
  CHECK(status_name(Status::reservation_conflict) == "RESERVATION CONFLICT");
  CHECK(status_name(static_cast<Status>(0x22)).empty());
  CHECK_FALSE(make_error_code(Status::good));
  CHECK_FALSE(make_error_code(Status::condition_met));
  const std::error_code busy = Status::busy;
  CHECK(busy);
  CHECK(busy.category() == status_category());
  CHECK(busy.message() == "BUSY");
  CHECK(std::error_code(static_cast<Status>(0x22)).message() == "SCSI status 0x22");
}

TEST_CASE("unmap: parameter list round trip and the CDB that carries it", "[scsi_unmap]") {
  const std::vector<UnmapDescriptor> ds = {{0, 8}, {1ull << 40, 0xffffffff}, {12345, 1}};
  std::vector<std::byte> list;
  REQUIRE_FALSE(encode_unmap_list(ds, list));
  REQUIRE(list.size() == 8 + 48);
  CHECK(list[1] == std::byte{54});  // UNMAP DATA LENGTH = n - 2
  CHECK(list[3] == std::byte{48});  // UNMAP BLOCK DESCRIPTOR DATA LENGTH
  const Cdb c = cdb::unmap(static_cast<std::uint16_t>(list.size()));
  CHECK(c.bytes[8] == std::byte{56});

  std::vector<UnmapDescriptor> parsed;
  REQUIRE_FALSE(parse_unmap_list(list, parsed));
  CHECK(parsed == ds);

  const std::error_code length_error =
      make_error_code(SenseCode{SenseKey::illegal_request, asc::parameter_list_length_error});
  for (std::size_t n = 0; n <= list.size(); ++n) {
    INFO("length " << n);
    const std::error_code ec = parse_unmap_list(std::span(list).first(n), parsed);
    if (n > 0 && n < 8) {
      CHECK(ec == length_error);
      continue;
    }
    REQUIRE_FALSE(ec);
    // Cut descriptors are ignored, complete ones kept.
    const std::size_t complete = n == 0 ? 0 : (n - 8) / 16;
    REQUIRE(parsed.size() == complete);
    for (std::size_t i = 0; i < complete; ++i) CHECK(parsed[i] == ds[i]);
  }
}

TEST_CASE("unmap: descriptor data length shorter than the list wins", "[scsi_unmap]") {
  const std::vector<UnmapDescriptor> ds = {{1, 1}, {2, 2}};
  std::vector<std::byte> list;
  REQUIRE_FALSE(encode_unmap_list(ds, list));
  list[3] = std::byte{16};  // the header claims one descriptor
  std::vector<UnmapDescriptor> parsed;
  REQUIRE_FALSE(parse_unmap_list(list, parsed));
  CHECK(parsed == std::vector<UnmapDescriptor>{{1, 1}});
}

TEST_CASE("unmap: too many descriptors do not fit the 16-bit length", "[scsi_unmap]") {
  std::vector<std::byte> list{std::byte{1}};
  const std::vector<UnmapDescriptor> max(kMaxUnmapDescriptors);
  REQUIRE_FALSE(encode_unmap_list(max, list));
  CHECK(list.size() == 8 + 16 * kMaxUnmapDescriptors);
  CHECK(list.size() <= 0xffff);
  const std::vector<UnmapDescriptor> too_many(kMaxUnmapDescriptors + 1);
  CHECK(encode_unmap_list(too_many, list) == std::errc::value_too_large);
  CHECK(list.size() == 8 + 16 * kMaxUnmapDescriptors);  // untouched
}
