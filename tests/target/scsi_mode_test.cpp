// MODE SENSE / MODE SELECT and the behaviour the pages control.
#include <map>

#include "scsi_test_support.h"

namespace uiscsi::target::scsi::test {
namespace {

namespace cdb = iscsi::scsi::cdb;
using iscsi::scsi::SenseKey;
namespace asc = iscsi::scsi::asc;

// Pages inside MODE SENSE data: code -> page bytes.
std::map<int, std::vector<std::byte>> pages_of(const Result& r, bool ten) {
  const std::size_t header = ten ? 8 : 4;
  const std::size_t descriptors = ten ? r.be16(6) : r.u8(3);
  std::map<int, std::vector<std::byte>> out;
  for (std::size_t at = header + descriptors; at + 2 <= r.data.size();) {
    const std::size_t len = 2 + r.u8(at + 1);
    REQUIRE(at + len <= r.data.size());
    out[r.u8(at) & 0x3f] = std::vector<std::byte>(r.data.begin() + static_cast<std::ptrdiff_t>(at),
                                                  r.data.begin() + static_cast<std::ptrdiff_t>(at + len));
    at += len;
  }
  return out;
}

// MODE SELECT (10) with one page.
Result select_page(Harness& h, const Nexus& n, std::vector<std::byte> page) {
  std::vector<std::byte> list(8);
  list.insert(list.end(), page.begin(), page.end());
  const auto len = static_cast<int>(list.size());
  return h.run(n, bytes({0x55, 0x10, 0, 0, 0, 0, 0, len >> 8, len & 0xff, 0}), list);
}

TEST_CASE("MODE SENSE returns the caching, control and IE pages", "[scsi][mode]") {
  Harness h;
  const Result r6 = h.run(cdb::mode_sense_6(0x3f, 0, 255).view(), {}, 255);
  REQUIRE(r6.status() == Status::good);
  CHECK(r6.u8(0) == r6.data.size() - 1);       // MODE DATA LENGTH
  CHECK((r6.u8(2) & 0x10) != 0);               // DPOFUA
  CHECK(r6.u8(3) == 8);                        // one short block descriptor
  CHECK(r6.be32(4) == Harness::kBlocks);
  CHECK(r6.be32(8) == 512);                    // density 0, block length 512
  const auto pages = pages_of(r6, false);
  REQUIRE(pages.size() == 3);
  CHECK(pages.at(0x08).size() == 20);
  CHECK(pages.at(0x0a).size() == 12);
  CHECK(pages.at(0x1c).size() == 12);
  CHECK((std::to_integer<int>(pages.at(0x1c)[2]) & 0x08) != 0);  // DEXCPT

  SECTION("MODE SENSE (10) with long LBA descriptors") {
    const Result r10 = h.run(cdb::mode_sense_10(0x0a, 0, 512, false, true).view(), {}, 512);
    REQUIRE(r10.status() == Status::good);
    CHECK(r10.be16(0) == r10.data.size() - 2);
    CHECK((r10.u8(4) & 0x01) != 0);  // LONGLBA
    CHECK(r10.be16(6) == 16);
    CHECK(r10.be64(8) == Harness::kBlocks);
    CHECK(r10.be32(20) == 512);
    CHECK(pages_of(r10, true).count(0x0a) == 1);
  }
  SECTION("DBD drops the block descriptor") {
    const Result r = h.run(cdb::mode_sense_6(0x08, 0, 255, true).view(), {}, 255);
    CHECK(r.u8(3) == 0);
    CHECK(r.data.size() == 4 + 20);
  }
  SECTION("changeable values") {
    const Result r = h.run(cdb::mode_sense_6(0x3f, 0, 255, true, 1).view(), {}, 255);
    const auto ch = pages_of(r, false);
    CHECK(std::to_integer<int>(ch.at(0x0a)[2]) == 0x04);  // D_SENSE
    CHECK(std::to_integer<int>(ch.at(0x0a)[4]) == 0x08);  // SWP
    CHECK(std::to_integer<int>(ch.at(0x1c)[2]) == 0x00);
  }
  SECTION("saved values are not supported") {
    CHECK(h.run(cdb::mode_sense_6(0x3f, 0, 255, false, 3).view(), {}, 255)
              .has_sense(SenseKey::illegal_request, asc::saving_parameters_not_supported));
  }
  SECTION("unknown pages and subpages") {
    CHECK(h.run(cdb::mode_sense_6(0x19, 0, 255).view(), {}, 255).has_sense(SenseKey::illegal_request,
                                                                              asc::invalid_field_in_cdb));
    CHECK(h.run(cdb::mode_sense_6(0x08, 1, 255).view(), {}, 255).has_sense(SenseKey::illegal_request,
                                                                              asc::invalid_field_in_cdb));
    CHECK(h.run(cdb::mode_sense_6(0x3f, 0xff, 255).view(), {}, 255).status() == Status::good);
  }
  SECTION("a short allocation length truncates") {
    const Result r = h.run(cdb::mode_sense_6(0x3f, 0, 10).view(), {}, 255);
    CHECK(r.data.size() == 10);
    CHECK(r.u8(0) == r6.u8(0));  // the length still tells the whole size
  }
}

TEST_CASE("MODE SELECT changes D_SENSE and SWP and tells the other nexuses", "[scsi][mode]") {
  Harness h;
  const Result before = h.run(cdb::mode_sense_6(0x0a, 0, 255, true).view(), {}, 255);
  auto control = pages_of(before, false).at(0x0a);

  SECTION("D_SENSE switches sense data to descriptor format") {
    control[2] |= std::byte{0x04};
    REQUIRE(select_page(h, kNexusA, control).status() == Status::good);
    const Result bad = h.run(cdb::read_16(~std::uint64_t{0}, 1).view(), {}, 512);
    REQUIRE(bad.status() == Status::check_condition);
    CHECK(std::to_integer<int>(bad.response.sense[0]) == 0x72);
    // Nexus B gets MODE PARAMETERS CHANGED once, A does not.
    CHECK(h.run(kNexusB, cdb::test_unit_ready().view()).has_sense(SenseKey::unit_attention,
                                                                   asc::mode_parameters_changed));
    CHECK(h.run(kNexusB, cdb::test_unit_ready().view()).status() == Status::good);
    CHECK(h.run(kNexusA, cdb::test_unit_ready().view()).status() == Status::good);
    // A LOGICAL UNIT RESET restores the defaults.
    CHECK(h.target().lun_reset(0) == iscsi::TmfResponse::function_complete);
    CHECK(h.run(kNexusA, cdb::test_unit_ready().view()).status() == Status::check_condition);
    const Result again = h.run(cdb::read_16(~std::uint64_t{0}, 1).view(), {}, 512);
    CHECK(std::to_integer<int>(again.response.sense[0]) == 0x70);
  }
  SECTION("SWP write-protects the medium") {
    control[4] |= std::byte{0x08};
    REQUIRE(select_page(h, kNexusA, control).status() == Status::good);
    CHECK(h.run(cdb::write_10(0, 1).view(), pattern(512, 1)).has_sense(SenseKey::data_protect,
                                                                        asc::write_protected));
    const Result ms = h.run(cdb::mode_sense_6(0x0a, 0, 255).view(), {}, 255);
    CHECK((ms.u8(2) & 0x80) != 0);
  }
  SECTION("selecting the same values changes nothing and tells no one") {
    REQUIRE(select_page(h, kNexusA, control).status() == Status::good);
    CHECK(h.run(kNexusB, cdb::test_unit_ready().view()).status() == Status::good);
  }
  SECTION("a bit that is not changeable is refused with a pointer to it") {
    control[3] ^= std::byte{0x20};  // QUEUE ALGORITHM MODIFIER
    const Result r = select_page(h, kNexusA, control);
    REQUIRE(r.has_sense(SenseKey::illegal_request, asc::invalid_field_in_parameter_list));
    CHECK((*r.sense().sense_key_specific)[2] == 8 + 3);
  }
  SECTION("SP and a wrong page length") {
    const auto len = static_cast<int>(8 + control.size());
    std::vector<std::byte> list(8);
    list.insert(list.end(), control.begin(), control.end());
    CHECK(h.run(bytes({0x55, 0x11, 0, 0, 0, 0, 0, len >> 8, len & 0xff, 0}), list)
              .has_sense(SenseKey::illegal_request, asc::invalid_field_in_cdb));
    control[1] = std::byte{0x09};
    CHECK(select_page(h, kNexusA, control).status() == Status::check_condition);
  }
  SECTION("a block descriptor must match the geometry") {
    std::vector<std::byte> list = bytes({0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0x10, 0x00});  // block length 4096
    CHECK(h.run(bytes({0x15, 0x10, 0, 0, 12, 0}), list).has_sense(SenseKey::illegal_request,
                                                                    asc::invalid_field_in_parameter_list));
    list[10] = std::byte{0x02};  // 512
    CHECK(h.run(bytes({0x15, 0x10, 0, 0, 12, 0}), list).status() == Status::good);
  }
}

}  // namespace
}  // namespace uiscsi::target::scsi::test
