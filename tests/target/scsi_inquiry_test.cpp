// INQUIRY, VPD pages, READ CAPACITY, REPORT LUNS and LUNs without a logical unit.
#include "iscsi/scsi_capacity.h"
#include "iscsi/scsi_inquiry.h"
#include "iscsi/scsi_report_luns.h"
#include "scsi_test_support.h"

namespace uiscsi::target::scsi::test {
namespace {

namespace cdb = iscsi::scsi::cdb;
using iscsi::scsi::SenseKey;
namespace asc = iscsi::scsi::asc;

TEST_CASE("standard INQUIRY data", "[scsi][inquiry]") {
  Harness h;
  const Result r = h.run(cdb::inquiry(255).view(), {}, 255);
  REQUIRE(r.status() == Status::good);
  iscsi::scsi::StandardInquiry inq;
  REQUIRE_FALSE(iscsi::scsi::parse_standard_inquiry(r.data, inq));
  CHECK(inq.peripheral_qualifier == 0);
  CHECK(inq.device_type == 0);
  CHECK(inq.version == 0x06);
  CHECK(inq.tpgs == 1);
  CHECK(inq.cmdque);
  CHECK(inq.vendor_id == "UISCSI");
  CHECK(inq.product_id == "VIRTUAL-DISK");
  CHECK(std::find(inq.version_descriptors.begin(), inq.version_descriptors.end(), 0x0460) !=
        inq.version_descriptors.end());
  CHECK(std::find(inq.version_descriptors.begin(), inq.version_descriptors.end(), 0x04c0) !=
        inq.version_descriptors.end());
  CHECK(r.response.expected_length == r.data.size());

  SECTION("the allocation length cuts the data") {
    const Result cut = h.run(cdb::inquiry(5).view(), {}, 255);
    CHECK(cut.data.size() == 5);
    CHECK(cut.response.expected_length == 5);
    CHECK(std::equal(cut.data.begin(), cut.data.end(), r.data.begin()));
  }
  SECTION("a page code without EVPD is refused") {
    CHECK(h.run(bytes({0x12, 0, 0x80, 0, 255, 0}), {}, 255).has_sense(SenseKey::illegal_request,
                                                                         asc::invalid_field_in_cdb));
  }
  SECTION("CMDDT (obsolete) is refused") {
    CHECK(h.run(bytes({0x12, 0x02, 0, 0, 255, 0}), {}, 255).has_sense(SenseKey::illegal_request,
                                                                         asc::invalid_field_in_cdb));
  }
}

TEST_CASE("VPD pages", "[scsi][inquiry][vpd]") {
  Harness h;
  auto page = [&](std::uint8_t code) {
    Result r = h.run(cdb::inquiry_vpd(code, 1024).view(), {}, 1024);
    REQUIRE(r.status() == Status::good);
    std::span<const std::byte> contents;
    REQUIRE_FALSE(iscsi::scsi::parse_vpd_page(r.data, code, contents));
    return std::vector<std::byte>(contents.begin(), contents.end());
  };

  SECTION("supported pages") {
    Result r = h.run(cdb::inquiry_vpd(0x00, 255).view(), {}, 255);
    std::vector<std::uint8_t> pages;
    REQUIRE_FALSE(iscsi::scsi::parse_supported_vpd_pages(r.data, pages));
    CHECK(pages == std::vector<std::uint8_t>{0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2});
    // Every listed page is there.
    for (std::uint8_t p : pages) CHECK_NOTHROW(page(p));
  }
  SECTION("unit serial number") {
    const auto serial = page(0x80);
    CHECK(std::string(reinterpret_cast<const char*>(serial.data()), serial.size()) == "UISCSI-TEST-0001");
  }
  SECTION("device identification") {
    const auto d = page(0x83);
    // NAA 6h with the configured company id first.
    REQUIRE(d.size() > 20);
    CHECK(std::to_integer<int>(d[0]) == 0x01);  // binary
    CHECK(std::to_integer<int>(d[1]) == 0x03);  // LU, NAA
    CHECK(std::to_integer<int>(d[3]) == 16);
    CHECK(std::to_integer<int>(d[4]) == 0x60);  // NAA 6h | OUI bits 23-20 (0)
    CHECK(std::to_integer<int>(d[5]) == 0x01);
    CHECK(std::to_integer<int>(d[6]) == 0x12);
    CHECK((std::to_integer<int>(d[7]) & 0xf0) == 0x20);
    // Walk the descriptors and collect their types per association.
    std::vector<std::pair<int, int>> seen;
    std::uint16_t rtpi = 0, tpg = 0;
    std::string target_port;
    for (std::size_t at = 0; at + 4 <= d.size();) {
      const int assoc = (std::to_integer<int>(d[at + 1]) >> 4) & 3;
      const int type = std::to_integer<int>(d[at + 1]) & 0xf;
      const std::size_t len = std::to_integer<std::size_t>(d[at + 3]);
      REQUIRE(at + 4 + len <= d.size());
      seen.emplace_back(assoc, type);
      if (type == 4) rtpi = static_cast<std::uint16_t>(std::to_integer<int>(d[at + 6]) << 8 | std::to_integer<int>(d[at + 7]));
      if (type == 5) tpg = static_cast<std::uint16_t>(std::to_integer<int>(d[at + 6]) << 8 | std::to_integer<int>(d[at + 7]));
      if (type == 8 && assoc == 1) target_port = reinterpret_cast<const char*>(d.data() + at + 4);
      at += 4 + len;
    }
    CHECK(seen == std::vector<std::pair<int, int>>{{0, 3}, {0, 1}, {1, 4}, {1, 5}, {1, 8}, {2, 8}});
    CHECK(rtpi == 1);
    CHECK(tpg == 7);
    CHECK(target_port == kNexusA.target_port);
  }
  SECTION("block limits") {
    Result r = h.run(cdb::inquiry_vpd(0xb0, 255).view(), {}, 255);
    iscsi::scsi::BlockLimits bl;
    REQUIRE_FALSE(iscsi::scsi::parse_block_limits(r.data, bl));
    CHECK(bl.max_transfer_length == (32u << 20) / 512);
    CHECK(bl.max_compare_and_write_length == 255);
    CHECK(bl.max_unmap_lba_count == 1u << 20);
    CHECK(bl.max_unmap_block_descriptor_count == 256);
    CHECK(bl.optimal_unmap_granularity == 1);  // RAM: no allocation unit above a block
    CHECK(bl.optimal_transfer_length_granularity == 1);
    CHECK(bl.max_write_same_length == 0x400000);
    CHECK_FALSE(bl.wsnz);
  }
  SECTION("block device characteristics: non-rotational RAM") {
    const auto p = page(0xb1);
    CHECK(std::to_integer<int>(p[1]) == 1);
  }
  SECTION("logical block provisioning") {
    const auto p = page(0xb2);
    CHECK(std::to_integer<int>(p[1]) == (0x80 | 0x40 | 0x20 | 0x04));  // LBPU LBPWS LBPWS10 LBPRZ
    CHECK(std::to_integer<int>(p[2]) == 0x02);                          // thin
  }
  SECTION("unknown page") {
    CHECK(h.run(cdb::inquiry_vpd(0x86, 255).view(), {}, 255).has_sense(SenseKey::illegal_request,
                                                                          asc::invalid_field_in_cdb));
  }
}

TEST_CASE("READ CAPACITY (10) and (16)", "[scsi][capacity]") {
  Harness h;
  Result r10 = h.run(cdb::read_capacity_10().view(), {}, 8);
  iscsi::scsi::ReadCapacity10Data c10;
  REQUIRE_FALSE(iscsi::scsi::parse_read_capacity_10(r10.data, c10));
  CHECK(c10.returned_lba == Harness::kBlocks - 1);
  CHECK(c10.block_length == 512);

  Result r16 = h.run(cdb::read_capacity_16(32).view(), {}, 32);
  iscsi::scsi::ReadCapacity16Data c16;
  REQUIRE_FALSE(iscsi::scsi::parse_read_capacity_16(r16.data, c16));
  CHECK(c16.returned_lba == Harness::kBlocks - 1);
  CHECK(c16.lbpme);
  CHECK(c16.lbprz);

  // An LBA without PMI is an error (SBC-3 5.15.1).
  CHECK(h.run(bytes({0x25, 0, 0, 0, 0, 1, 0, 0, 0, 0}), {}, 8).has_sense(SenseKey::illegal_request,
                                                                          asc::invalid_field_in_cdb));
  CHECK(h.run(bytes({0x25, 0, 0, 0, 0, 1, 0, 0, 1, 0}), {}, 8).status() == Status::good);
  // Allocation length 0: nothing transferred, not an error.
  CHECK(h.run(cdb::read_capacity_16(0).view(), {}, 32).data.empty());
}

TEST_CASE("REPORT LUNS and LUNs without a logical unit", "[scsi][luns]") {
  Harness h;
  std::error_code ec;
  REQUIRE_FALSE(h.target().add_lun(300, RamBackend::create({512, 16}, ec), Harness::default_config()));

  auto report = [&](std::uint8_t select, std::uint16_t lun) {
    Result r = h.run(kNexusA, cdb::report_luns(4096, select).view(), {}, 4096, lun);
    REQUIRE(r.status() == Status::good);
    iscsi::scsi::ReportLunsData data;
    REQUIRE_FALSE(iscsi::scsi::parse_report_luns(r.data, data));
    return data.luns;
  };
  CHECK(report(0, 0) == std::vector<std::uint64_t>{0, 0x412c000000000000ull});
  CHECK(report(1, 0) == std::vector<std::uint64_t>{0xc101000000000000ull});
  CHECK(report(2, 0).size() == 3);
  CHECK(report(0, 5) == report(0, 0));  // any LUN answers REPORT LUNS
  CHECK(h.run(cdb::report_luns(15).view(), {}, 15).has_sense(SenseKey::illegal_request, asc::invalid_field_in_cdb));
  CHECK(h.run(cdb::report_luns(64, 3).view(), {}, 64).has_sense(SenseKey::illegal_request, asc::invalid_field_in_cdb));

  SECTION("INQUIRY of a missing LUN reports qualifier 011b") {
    Result r = h.run(kNexusA, cdb::inquiry(96).view(), {}, 96, 7);
    REQUIRE(r.status() == Status::good);
    CHECK(r.u8(0) == 0x7f);
  }
  SECTION("other commands to a missing LUN") {
    CHECK(h.run(kNexusA, cdb::test_unit_ready().view(), {}, 0, 7)
              .has_sense(SenseKey::illegal_request, asc::logical_unit_not_supported));
    Result rs = h.run(kNexusA, cdb::request_sense(252).view(), {}, 252, 7);
    REQUIRE(rs.status() == Status::good);
    iscsi::scsi::SenseData s;
    REQUIRE_FALSE(iscsi::scsi::parse_sense(rs.data, s));
    CHECK(s.code.additional == asc::logical_unit_not_supported);
  }
  SECTION("the REPORT LUNS well-known logical unit") {
    Result inq = h.run_lun(Target::kReportLunsWellKnownLun, kNexusA, cdb::inquiry(96).view(), {}, 96);
    CHECK(inq.u8(0) == 0x1e);
    Result rl = h.run_lun(Target::kReportLunsWellKnownLun, kNexusA, cdb::report_luns(256).view(), {}, 256);
    CHECK(rl.status() == Status::good);
    CHECK(h.run_lun(Target::kReportLunsWellKnownLun, kNexusA, cdb::read_10(0, 1).view(), {}, 512)
              .has_sense(SenseKey::illegal_request, asc::invalid_command_operation_code));
  }
  SECTION("LUN 300 through flat space addressing") {
    CHECK(h.run_lun(0x412c000000000000ull, kNexusA, cdb::test_unit_ready().view(), {}, 0)
              .has_sense(SenseKey::unit_attention, asc::power_on_reset_or_bus_device_reset));
  }
  SECTION("configuration errors") {
    CHECK(h.target().add_lun(300, RamBackend::create({512, 16}, ec), Harness::default_config()) ==
          target_errc::lun_exists);
    CHECK(h.target().add_lun(16384, RamBackend::create({512, 16}, ec), Harness::default_config()) ==
          target_errc::invalid_lun);
    CHECK(h.target().remove_lun(301) == target_errc::no_such_lun);
    CHECK_FALSE(h.target().remove_lun(300));
    CHECK(report(0, 0) == std::vector<std::uint64_t>{0});
  }
}

}  // namespace
}  // namespace uiscsi::target::scsi::test
