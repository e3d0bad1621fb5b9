#include <catch2/catch.hpp>

#include <initializer_list>
#include <vector>

#include "iscsi/scsi_capacity.h"
#include "iscsi/scsi_data_error.h"
#include "iscsi/scsi_inquiry.h"
#include "iscsi/scsi_report_luns.h"

using namespace uiscsi::iscsi::scsi;

namespace {

std::vector<std::byte> bytes(std::initializer_list<int> values) {
  std::vector<std::byte> out;
  for (int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

template <typename Container>
std::span<const std::byte> view(const Container& c) {
  return {c.data(), c.size()};
}

}  // namespace

TEST_CASE("scsi data: READ CAPACITY (10)", "[scsi_data]") {
  const ReadCapacity10Data d{0x003fffff, 512};
  const auto raw = encode_read_capacity_10(d);
  CHECK(std::vector<std::byte>(raw.begin(), raw.end()) == bytes({0, 0x3f, 0xff, 0xff, 0, 0, 2, 0}));
  ReadCapacity10Data parsed;
  REQUIRE_FALSE(parse_read_capacity_10(raw, parsed));
  CHECK(parsed == d);
  for (std::size_t n = 0; n < raw.size(); ++n) CHECK(parse_read_capacity_10(view(raw).first(n), parsed) == data_errc::truncated);

  CHECK(read_capacity_10_lba(0) == 0);
  CHECK(read_capacity_10_lba(1) == 0);
  CHECK(read_capacity_10_lba(0xffffffff) == 0xfffffffe);
  CHECK(read_capacity_10_lba(0x100000000) == 0xffffffff);  // last LBA would collide with the marker
  CHECK(read_capacity_10_lba(1ull << 40) == 0xffffffff);
}

TEST_CASE("scsi data: READ CAPACITY (16)", "[scsi_data]") {
  ReadCapacity16Data d;
  d.returned_lba = 0x1234567890;
  d.block_length = 4096;
  d.p_type = 1;
  d.prot_en = true;
  d.p_i_exponent = 2;
  d.lbppbe = 3;
  d.lbpme = true;
  d.lbprz = true;
  d.lowest_aligned_lba = 0x2abc;
  const auto raw = encode_read_capacity_16(d);
  CHECK(std::vector<std::byte>(raw.begin(), raw.begin() + 16) ==
        bytes({0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0x90, 0, 0, 0x10, 0, 0x03, 0x23, 0xea, 0xbc}));
  ReadCapacity16Data parsed;
  for (std::size_t n = 0; n <= raw.size(); ++n) {
    const std::error_code ec = parse_read_capacity_16(view(raw).first(n), parsed);
    if (n < 16) {
      CHECK(ec == data_errc::truncated);
    } else {
      REQUIRE_FALSE(ec);
      CHECK(parsed == d);
    }
  }
}

TEST_CASE("scsi data: GET LBA STATUS descriptors", "[scsi_data]") {
  const std::vector<LbaStatusDescriptor> ds = {{0, 100, ProvisioningStatus::mapped},
                                               {100, 28, ProvisioningStatus::deallocated},
                                               {128, 0xffffffff, ProvisioningStatus::anchored}};
  const auto raw = encode_lba_status(ds);
  REQUIRE(raw.size() == 8 + 3 * 16);
  CHECK(raw[3] == std::byte{4 + 48});  // PARAMETER DATA LENGTH = n - 3
  std::vector<LbaStatusDescriptor> parsed;
  for (std::size_t n = 0; n <= raw.size(); ++n) {
    INFO("length " << n);
    const std::error_code ec = parse_lba_status(view(raw).first(n), parsed);
    if (n < 8) {
      CHECK(ec == data_errc::truncated);
      continue;
    }
    REQUIRE_FALSE(ec);
    const std::size_t complete = (n - 8) / 16;
    REQUIRE(parsed.size() == complete);
    for (std::size_t i = 0; i < complete; ++i) CHECK(parsed[i] == ds[i]);
  }
  // A PARAMETER DATA LENGTH shorter than the header is inconsistent.
  CHECK(parse_lba_status(bytes({0, 0, 0, 2, 0, 0, 0, 0}), parsed) == data_errc::bad_length);
  // Extra bytes past PARAMETER DATA LENGTH are not descriptors.
  auto padded = encode_lba_status({ds.data(), 1});
  padded.resize(padded.size() + 16, std::byte{0xff});
  REQUIRE_FALSE(parse_lba_status(padded, parsed));
  CHECK(parsed.size() == 1);
}

TEST_CASE("scsi data: standard INQUIRY", "[scsi_data]") {
  StandardInquiry q;
  q.vendor_id = "UISCSI";
  q.product_id = "RAMDISK";
  q.revision = "0.1";
  q.tpgs = 1;
  q.third_party_copy = true;
  q.multip = true;
  const auto raw = encode_standard_inquiry(q);
  REQUIRE(raw.size() == 36);
  CHECK(std::vector<std::byte>(raw.begin(), raw.begin() + 16) ==
        bytes({0x00, 0x00, 0x06, 0x12, 31, 0x18, 0x10, 0x02, 'U', 'I', 'S', 'C', 'S', 'I', ' ', ' '}));
  StandardInquiry parsed;
  REQUIRE_FALSE(parse_standard_inquiry(raw, parsed));
  CHECK(parsed == q);
  for (std::size_t n = 0; n < 36; ++n) CHECK(parse_standard_inquiry(view(raw).first(n), parsed) == data_errc::truncated);

  SECTION("with version descriptors, cut anywhere past the standard part") {
    q.version_descriptors = {0x0960, 0x0460, 0x04c0};
    q.peripheral_qualifier = 3;
    q.device_type = 0x1f;
    q.vendor_id = "LONGVENDORNAME";  // cut to 8 bytes on the wire
    const auto full = encode_standard_inquiry(q);
    REQUIRE(full.size() == 74);
    CHECK(full[4] == std::byte{69});
    for (std::size_t n = 36; n <= full.size(); ++n) {
      REQUIRE_FALSE(parse_standard_inquiry(view(full).first(n), parsed));
      CHECK(parsed.vendor_id == "LONGVEND");
      CHECK(parsed.peripheral_qualifier == 3);
      CHECK(parsed.device_type == 0x1f);
      const std::size_t expected = n < 58 ? 0 : std::min<std::size_t>((n - 58) / 2, 3);
      CHECK(parsed.version_descriptors.size() == expected);
    }
    CHECK(parsed.version_descriptors == q.version_descriptors);
  }
  SECTION("NUL padding is stripped like spaces") {
    auto nul = raw;
    nul[14] = std::byte{0};
    nul[15] = std::byte{0};
    REQUIRE_FALSE(parse_standard_inquiry(nul, parsed));
    CHECK(parsed.vendor_id == "UISCSI");
  }
}

TEST_CASE("scsi data: VPD page framing and Supported VPD Pages", "[scsi_data]") {
  const std::uint8_t pages[] = {0x00, 0x80, 0x83, 0xb0, 0xb2};
  const auto raw = encode_supported_vpd_pages(pages);
  CHECK(raw == bytes({0x00, 0x00, 0x00, 0x05, 0x00, 0x80, 0x83, 0xb0, 0xb2}));
  std::vector<std::uint8_t> parsed;
  REQUIRE_FALSE(parse_supported_vpd_pages(raw, parsed));
  CHECK(parsed == std::vector<std::uint8_t>(std::begin(pages), std::end(pages)));
  // Cut by the allocation length: the pages that arrived.
  REQUIRE_FALSE(parse_supported_vpd_pages(view(raw).first(6), parsed));
  CHECK(parsed == std::vector<std::uint8_t>{0x00, 0x80});
  CHECK(parse_supported_vpd_pages(view(raw).first(3), parsed) == data_errc::truncated);
  std::span<const std::byte> contents;
  CHECK(parse_vpd_page(raw, 0xb0, contents) == data_errc::unexpected_format);
}

TEST_CASE("scsi data: Block Limits VPD page", "[scsi_data]") {
  BlockLimits l;
  l.wsnz = true;
  l.max_compare_and_write_length = 1;
  l.optimal_transfer_length_granularity = 8;
  l.max_transfer_length = 0x4000;
  l.optimal_transfer_length = 0x400;
  l.max_prefetch_length = 7;
  l.max_unmap_lba_count = 0x400000;
  l.max_unmap_block_descriptor_count = 256;
  l.optimal_unmap_granularity = 8;
  l.ugavalid = true;
  l.unmap_granularity_alignment = 0x7fffffff;
  l.max_write_same_length = 0x1122334455;
  const auto raw = encode_block_limits(l);
  REQUIRE(raw.size() == 64);
  CHECK(std::vector<std::byte>(raw.begin(), raw.begin() + 12) ==
        bytes({0x00, 0xb0, 0x00, 0x3c, 0x01, 0x01, 0x00, 0x08, 0x00, 0x00, 0x40, 0x00}));
  BlockLimits parsed;
  REQUIRE_FALSE(parse_block_limits(raw, parsed));
  CHECK(parsed == l);

  SECTION("an SBC-2 page (PAGE LENGTH 0Ch) leaves the later fields zero") {
    auto old = std::vector<std::byte>(raw.begin(), raw.begin() + 16);
    old[3] = std::byte{0x0c};
    REQUIRE_FALSE(parse_block_limits(old, parsed));
    CHECK(parsed.max_transfer_length == 0x4000);
    CHECK(parsed.optimal_transfer_length == 0x400);
    CHECK(parsed.max_unmap_lba_count == 0);
    CHECK(parsed.max_write_same_length == 0);
  }
  SECTION("every cut parses the fields that arrived completely") {
    for (std::size_t n = 4; n <= raw.size(); ++n) {
      INFO("length " << n);
      REQUIRE_FALSE(parse_block_limits(view(raw).first(n), parsed));
      CHECK(parsed.max_transfer_length == (n >= 12 ? l.max_transfer_length : 0));
      CHECK(parsed.max_unmap_block_descriptor_count == (n >= 28 ? l.max_unmap_block_descriptor_count : 0));
      CHECK(parsed.max_write_same_length == (n >= 44 ? l.max_write_same_length : 0));
    }
  }
}

TEST_CASE("scsi data: REPORT LUNS", "[scsi_data]") {
  const std::vector<std::uint64_t> luns = {0x0000000000000000, 0x0001000000000000, 0x4100000000000000};
  const auto raw = encode_report_luns(luns);
  REQUIRE(raw.size() == 32);
  CHECK(raw[3] == std::byte{24});
  ReportLunsData parsed;
  for (std::size_t n = 0; n <= raw.size(); ++n) {
    INFO("length " << n);
    const std::error_code ec = parse_report_luns(view(raw).first(n), parsed);
    if (n < 8) {
      CHECK(ec == data_errc::truncated);
      continue;
    }
    REQUIRE_FALSE(ec);
    CHECK(parsed.lun_list_length == 24);
    REQUIRE(parsed.luns.size() == (n - 8) / 8);
    for (std::size_t i = 0; i < parsed.luns.size(); ++i) CHECK(parsed.luns[i] == luns[i]);
    CHECK(parsed.complete() == (n == raw.size()));
  }
  CHECK(parse_report_luns(bytes({0, 0, 0, 9, 0, 0, 0, 0}), parsed) == data_errc::bad_length);
  REQUIRE_FALSE(parse_report_luns(encode_report_luns({}), parsed));
  CHECK(parsed.luns.empty());
  CHECK(parsed.complete());
}
