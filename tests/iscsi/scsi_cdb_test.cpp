#include <catch2/catch.hpp>

#include <initializer_list>
#include <vector>

#include "iscsi/scsi_cdb.h"
#include "iscsi/scsi_cdb_build.h"
#include "iscsi/sense_codes.h"

using namespace uiscsi::iscsi::scsi;

namespace {

std::vector<std::byte> bytes(std::initializer_list<int> values) {
  std::vector<std::byte> out;
  for (int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

const std::error_code kInvalidOpcode =
    make_error_code(SenseCode{SenseKey::illegal_request, asc::invalid_command_operation_code});
const std::error_code kInvalidField = make_error_code(SenseCode{SenseKey::illegal_request, asc::invalid_field_in_cdb});

// Every prefix shorter than the CDB is refused; the full CDB (and the 16-byte BHS field
// holding it) decodes.
template <typename T, typename Decode>
T decode_all_cuts(const Cdb& c, Decode decode) {
  for (std::size_t n = 0; n < c.length; ++n) {
    T ignored;
    INFO("cut at " << n);
    CHECK(decode(c.view().first(n), ignored));
  }
  T padded;
  REQUIRE_FALSE(decode(std::span<const std::byte>(c.bytes), padded));
  T v;
  REQUIRE_FALSE(decode(c.view(), v));
  CHECK(v == padded);
  return v;
}

ReadWrite rw_of(const Cdb& c) { return decode_all_cuts<ReadWrite>(c, decode_read_write); }

}  // namespace

TEST_CASE("cdb: READ (6) decodes the 21-bit LBA and 0 means 256 blocks", "[scsi_cdb]") {
  ReadWrite rw;
  REQUIRE_FALSE(decode_read_write(bytes({0x08, 0xff, 0x12, 0x34, 0x00, 0x00}), rw));
  CHECK(rw.opcode == Opcode::read_6);
  CHECK(rw.op == BlockOp::read);
  CHECK(rw.lba == 0x1f1234);  // top 3 bits of byte 1 are not LBA
  CHECK(rw.transfer_length == 256);
  CHECK(rw.data_blocks() == 256);
  REQUIRE_FALSE(decode_read_write(bytes({0x0a, 0x00, 0x00, 0x07, 0x10, 0x00}), rw));
  CHECK(rw.op == BlockOp::write);
  CHECK(rw.lba == 7);
  CHECK(rw.transfer_length == 16);
  CHECK_FALSE(rw.fua);
}

TEST_CASE("cdb: hand-assembled 10/12/16-byte variants", "[scsi_cdb]") {
  ReadWrite rw;
  SECTION("WRITE (10) with WRPROTECT, DPO, FUA, group") {
    REQUIRE_FALSE(decode_read_write(bytes({0x2a, 0x78, 0, 0, 0x10, 0, 0x05, 0x00, 0x08, 0}), rw));
    CHECK(rw.op == BlockOp::write);
    CHECK(rw.protect == 3);
    CHECK(rw.dpo);
    CHECK(rw.fua);
    CHECK(rw.lba == 0x1000);
    CHECK(rw.group == 5);
    CHECK(rw.transfer_length == 8);
  }
  SECTION("READ (12)") {
    REQUIRE_FALSE(decode_read_write(bytes({0xa8, 0x08, 0, 0, 0, 9, 0, 1, 0, 0, 0x01, 0}), rw));
    CHECK(rw.lba == 9);
    CHECK(rw.transfer_length == 0x10000);
    CHECK(rw.fua);
    CHECK(rw.group == 1);
  }
  SECTION("VERIFY (16) with BYTCHK 01b and 11b") {
    auto raw = bytes({0x8f, 0x02, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0, 4, 0, 0});
    REQUIRE_FALSE(decode_read_write(raw, rw));
    CHECK(rw.op == BlockOp::verify);
    CHECK(rw.bytchk == 1);
    CHECK(rw.data_blocks() == 4);
    raw[1] = std::byte{0x06};
    REQUIRE_FALSE(decode_read_write(raw, rw));
    CHECK(rw.bytchk == 3);
    CHECK(rw.data_blocks() == 1);
    raw[1] = std::byte{0x00};
    REQUIRE_FALSE(decode_read_write(raw, rw));
    CHECK(rw.data_blocks() == 0);  // medium verification only, no Data-Out
    raw[1] = std::byte{0x04};      // BYTCHK 10b is reserved
    CHECK(decode_read_write(raw, rw) == kInvalidField);
  }
  SECTION("WRITE AND VERIFY (12) refuses BYTCHK 11b") {
    auto raw = bytes({0xae, 0x06, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0});
    CHECK(decode_read_write(raw, rw) == kInvalidField);
    raw[1] = std::byte{0x12};
    REQUIRE_FALSE(decode_read_write(raw, rw));
    CHECK(rw.op == BlockOp::write_and_verify);
    CHECK(rw.dpo);
    CHECK(rw.bytchk == 1);
    CHECK(rw.data_blocks() == 1);
  }
  SECTION("WRITE SAME (10) with UNMAP and ANCHOR") {
    REQUIRE_FALSE(decode_read_write(bytes({0x41, 0x18, 0, 0, 0, 0x40, 0, 0x01, 0x00, 0}), rw));
    CHECK(rw.op == BlockOp::write_same);
    CHECK(rw.unmap);
    CHECK(rw.anchor);
    CHECK_FALSE(rw.ndob);
    CHECK(rw.transfer_length == 256);
    CHECK(rw.data_blocks() == 1);
  }
}

TEST_CASE("cdb: non read/write opcodes and short CDBs are refused", "[scsi_cdb]") {
  ReadWrite rw;
  CHECK(decode_read_write(bytes({0x12, 0, 0, 0, 0, 0}), rw) == kInvalidOpcode);
  CHECK(decode_read_write({}, rw) == kInvalidOpcode);
  CHECK(decode_read_write(bytes({0x88, 0, 0}), rw) == kInvalidField);
  CHECK_FALSE(is_read_write(0x12));
  CHECK(is_read_write(0x89));
  InquiryCdb inq;
  CHECK(decode_inquiry(bytes({0x28, 0, 0, 0, 0, 0, 0, 0, 0, 0}), inq) == kInvalidOpcode);
  // A page code without EVPD (SPC-4 6.6.1).
  CHECK(decode_inquiry(bytes({0x12, 0, 0x80, 0, 0xff, 0}), inq) == kInvalidField);
  ServiceActionIn16Cdb sa;
  CHECK(decode_service_action_in_16(bytes({0x9e, 0x1f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}), sa) ==
        kInvalidField);
}

TEST_CASE("cdb: READ/WRITE (10) and (16) builders round-trip", "[scsi_cdb]") {
  const cdb::RwFlags flags{.fua = true, .dpo = true, .protect = 5, .group = 0x11};
  SECTION("read_10") {
    const auto rw = rw_of(cdb::read_10(0xfedcba98, 0xffff, flags));
    CHECK(rw.opcode == Opcode::read_10);
    CHECK(rw.op == BlockOp::read);
    CHECK(rw.lba == 0xfedcba98);
    CHECK(rw.transfer_length == 0xffff);
    CHECK(rw.fua);
    CHECK(rw.dpo);
    CHECK(rw.protect == 5);
    CHECK(rw.group == 0x11);
  }
  SECTION("write_10 without flags") {
    const auto rw = rw_of(cdb::write_10(1, 2));
    CHECK(rw.op == BlockOp::write);
    CHECK(rw.lba == 1);
    CHECK(rw.transfer_length == 2);
    CHECK_FALSE(rw.fua);
    CHECK_FALSE(rw.dpo);
    CHECK(rw.data_blocks() == 2);
  }
  SECTION("read_16 / write_16 with 64-bit LBA") {
    auto rw = rw_of(cdb::read_16(0x0123456789abcdef, 0xdeadbeef, flags));
    CHECK(rw.opcode == Opcode::read_16);
    CHECK(rw.lba == 0x0123456789abcdef);
    CHECK(rw.transfer_length == 0xdeadbeef);
    CHECK(rw.group == 0x11);
    rw = rw_of(cdb::write_16(0xffffffffffffffff, 1, {.fua = true}));
    CHECK(rw.opcode == Opcode::write_16);
    CHECK(rw.lba == 0xffffffffffffffff);
    CHECK(rw.fua);
    CHECK_FALSE(rw.dpo);
  }
  SECTION("compare_and_write") {
    const auto rw = rw_of(cdb::compare_and_write(0x100000000, 8, {.fua = true}));
    CHECK(rw.op == BlockOp::compare_and_write);
    CHECK(rw.lba == 0x100000000);
    CHECK(rw.transfer_length == 8);
    CHECK(rw.fua);
    CHECK(rw.data_blocks() == 16);  // compare data + write data
  }
  SECTION("write_same_16 with UNMAP / NDOB") {
    auto rw = rw_of(cdb::write_same_16(77, 1u << 20, {.unmap = true, .anchor = false, .ndob = true, .group = 3}));
    CHECK(rw.op == BlockOp::write_same);
    CHECK(rw.lba == 77);
    CHECK(rw.transfer_length == 1u << 20);
    CHECK(rw.unmap);
    CHECK_FALSE(rw.anchor);
    CHECK(rw.ndob);
    CHECK(rw.group == 3);
    CHECK(rw.data_blocks() == 0);
    rw = rw_of(cdb::write_same_16(0, 0, {.anchor = true, .protect = 1}));
    CHECK(rw.anchor);
    CHECK(rw.protect == 1);
    CHECK(rw.data_blocks() == 1);
  }
}

TEST_CASE("cdb: builders produce the SBC-3 byte layout", "[scsi_cdb]") {
  const Cdb c = cdb::read_10(0x01020304, 0x0506, {.fua = true});
  CHECK(std::vector<std::byte>(c.view().begin(), c.view().end()) ==
        bytes({0x28, 0x08, 0x01, 0x02, 0x03, 0x04, 0x00, 0x05, 0x06, 0x00}));
  CHECK(c.bytes[10] == std::byte{0});  // zero padding up to the 16-byte BHS field
  const Cdb rc16 = cdb::read_capacity_16();
  CHECK(std::vector<std::byte>(rc16.view().begin(), rc16.view().end()) ==
        bytes({0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0}));
}

TEST_CASE("cdb: the other builders round-trip through their decoders", "[scsi_cdb]") {
  SECTION("test_unit_ready / read_capacity_10") {
    CHECK(cdb::test_unit_ready().length == 6);
    CHECK(cdb::test_unit_ready().bytes[0] == std::byte{0x00});
    CHECK(cdb::read_capacity_10().length == 10);
    CHECK(cdb::read_capacity_10().bytes[0] == std::byte{0x25});
  }
  SECTION("inquiry and inquiry_vpd") {
    CHECK(decode_all_cuts<InquiryCdb>(cdb::inquiry(0x1234), decode_inquiry) == InquiryCdb{false, 0, 0x1234});
    CHECK(decode_all_cuts<InquiryCdb>(cdb::inquiry_vpd(0xb0, 64), decode_inquiry) == InquiryCdb{true, 0xb0, 64});
  }
  SECTION("request_sense") {
    CHECK(decode_all_cuts<RequestSenseCdb>(cdb::request_sense(252, true), decode_request_sense) ==
          RequestSenseCdb{true, 252});
    CHECK(decode_all_cuts<RequestSenseCdb>(cdb::request_sense(18), decode_request_sense) ==
          RequestSenseCdb{false, 18});
  }
  SECTION("mode_sense_6 and mode_sense_10") {
    CHECK(decode_all_cuts<ModeSenseCdb>(cdb::mode_sense_6(0x3f, 0xff, 192, true, 2), decode_mode_sense) ==
          ModeSenseCdb{false, true, false, 2, 0x3f, 0xff, 192});
    CHECK(decode_all_cuts<ModeSenseCdb>(cdb::mode_sense_10(0x08, 0, 0x1000, false, true, 1), decode_mode_sense) ==
          ModeSenseCdb{true, false, true, 1, 0x08, 0, 0x1000});
  }
  SECTION("read_capacity_16 and get_lba_status") {
    CHECK(decode_all_cuts<ServiceActionIn16Cdb>(cdb::read_capacity_16(), decode_service_action_in_16) ==
          ServiceActionIn16Cdb{ServiceActionIn16::read_capacity_16, 0, 32});
    CHECK(decode_all_cuts<ServiceActionIn16Cdb>(cdb::get_lba_status(0xabcdef0123, 4096),
                                                decode_service_action_in_16) ==
          ServiceActionIn16Cdb{ServiceActionIn16::get_lba_status, 0xabcdef0123, 4096});
  }
  SECTION("report_luns") {
    CHECK(decode_all_cuts<ReportLunsCdb>(cdb::report_luns(0x10000, 2), decode_report_luns) ==
          ReportLunsCdb{2, 0x10000});
  }
  SECTION("synchronize_cache_10 and _16") {
    CHECK(decode_all_cuts<SynchronizeCacheCdb>(cdb::synchronize_cache_10(0x11223344, 0x5566, true),
                                               decode_synchronize_cache) ==
          SynchronizeCacheCdb{0x11223344, 0x5566, true, 0});
    CHECK(decode_all_cuts<SynchronizeCacheCdb>(cdb::synchronize_cache_16(1ull << 40, 1u << 31),
                                               decode_synchronize_cache) ==
          SynchronizeCacheCdb{1ull << 40, 1u << 31, false, 0});
  }
  SECTION("unmap") {
    CHECK(decode_all_cuts<UnmapCdb>(cdb::unmap(24, true), decode_unmap) == UnmapCdb{true, 0, 24});
  }
}

TEST_CASE("cdb: opcode helpers", "[scsi_cdb]") {
  CHECK(cdb_length(0x00) == 6);
  CHECK(cdb_length(0x28) == 10);
  CHECK(cdb_length(0x5a) == 10);
  CHECK(cdb_length(0x7f) == 0);  // variable length
  CHECK(cdb_length(0x88) == 16);
  CHECK(cdb_length(0xa0) == 12);
  CHECK(cdb_length(0xc0) == 0);  // vendor specific
  CHECK(opcode_name(0x89) == "COMPARE AND WRITE");
  CHECK(opcode_name(0xc5).empty());
  CHECK(service_action(cdb::get_lba_status(0, 0).view()) == std::uint8_t{0x12});
  CHECK(service_action(bytes({0xa3, 0xec, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})) == std::uint8_t{0x0c});
  CHECK_FALSE(service_action(cdb::read_10(0, 0).view()));
  CHECK_FALSE(service_action(bytes({0x9e})));
}
