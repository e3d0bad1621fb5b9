// Typed PDU codecs: encode -> decode round trips with distinct field values (so two fields
// sharing an offset would show), and known wire bytes written out from the RFC 7143 §11
// layouts (so consistently wrong offsets would show).
#include <catch2/catch.hpp>

#include <string_view>
#include <vector>

#include "crc/crc32c.h"
#include "iscsi/pdu.h"

using namespace uiscsi::iscsi;

namespace {

std::vector<std::byte> hex(std::string_view text) {
  std::vector<std::byte> out;
  int high = -1;
  for (char c : text) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else continue;  // spaces separate groups
    if (high < 0) {
      high = v;
    } else {
      out.push_back(std::byte(high << 4 | v));
      high = -1;
    }
  }
  REQUIRE(high < 0);
  return out;
}

Bhs bhs_from_hex(std::string_view text) {
  const auto bytes = hex(text);
  REQUIRE(bytes.size() == kBhsLength);
  Bhs b;
  std::copy(bytes.begin(), bytes.end(), b.raw.begin());
  return b;
}

template <class T>
void check_round_trip(const T& pdu) {
  const Bhs b = pdu.encode();
  CHECK(b.opcode() == T::kOpcode);
  // Framing fields are the writer's.
  CHECK(b.total_ahs_length() == 0);
  CHECK(b.data_segment_length() == 0);
  CHECK(T::decode(b) == pdu);
}

}  // namespace

TEST_CASE("pdu codec: every typed PDU round-trips", "[iscsi][pdu]") {
  ScsiCommand cmd;
  cmd.immediate = true;
  cmd.final = false;
  cmd.read = true;
  cmd.write = true;
  cmd.attr = TaskAttribute::head_of_queue;
  cmd.lun = 0x0001020304050607;
  cmd.initiator_task_tag = 0x11121314;
  cmd.expected_data_transfer_length = 0x21222324;
  cmd.cmd_sn = 0x31323334;
  cmd.exp_stat_sn = 0x41424344;
  for (std::size_t i = 0; i < cmd.cdb.size(); ++i) cmd.cdb[i] = std::byte(0xa0 + i);
  check_round_trip(cmd);

  ScsiResponse rsp;
  rsp.bidirectional_read_residual_overflow = true;
  rsp.residual_underflow = true;
  rsp.response = ServiceResponse::target_failure;
  rsp.status = 0x02;
  rsp.initiator_task_tag = 1;
  rsp.snack_tag = 2;
  rsp.stat_sn = 3;
  rsp.exp_cmd_sn = 4;
  rsp.max_cmd_sn = 5;
  rsp.exp_data_sn = 6;
  rsp.bidirectional_read_residual_count = 7;
  rsp.residual_count = 8;
  check_round_trip(rsp);
  rsp.bidirectional_read_residual_overflow = false;
  rsp.bidirectional_read_residual_underflow = true;
  rsp.residual_overflow = true;
  rsp.residual_underflow = false;
  check_round_trip(rsp);

  check_round_trip(DataOut{.final = true, .lun = 9, .initiator_task_tag = 10, .target_transfer_tag = 11,
                           .exp_stat_sn = 12, .data_sn = 13, .buffer_offset = 14});
  check_round_trip(DataIn{.final = true, .acknowledge = true, .residual_overflow = true,
                          .residual_underflow = false, .status_present = true, .status = 0x08,
                          .lun = 15, .initiator_task_tag = 16, .target_transfer_tag = 17,
                          .stat_sn = 18, .exp_cmd_sn = 19, .max_cmd_sn = 20, .data_sn = 21,
                          .buffer_offset = 22, .residual_count = 23});
  check_round_trip(R2t{.lun = 24, .initiator_task_tag = 25, .target_transfer_tag = 26, .stat_sn = 27,
                       .exp_cmd_sn = 28, .max_cmd_sn = 29, .r2t_sn = 30, .buffer_offset = 31,
                       .desired_data_transfer_length = 32});
  check_round_trip(NopOut{.immediate = true, .lun = 33, .initiator_task_tag = 34,
                          .target_transfer_tag = 35, .cmd_sn = 36, .exp_stat_sn = 37});
  check_round_trip(NopIn{.lun = 38, .initiator_task_tag = 39, .target_transfer_tag = 40, .stat_sn = 41,
                         .exp_cmd_sn = 42, .max_cmd_sn = 43});
  check_round_trip(LoginRequest{.transit = true, .continue_ = true,
                                .csg = LoginStage::login_operational_negotiation,
                                .nsg = LoginStage::full_feature_phase, .version_max = 1,
                                .version_min = 2, .isid = {0x80, 1, 2, 3, 4, 5}, .tsih = 44,
                                .initiator_task_tag = 45, .cid = 46, .cmd_sn = 47, .exp_stat_sn = 48});
  check_round_trip(LoginResponse{.transit = false, .continue_ = true,
                                 .csg = LoginStage::security_negotiation,
                                 .nsg = LoginStage::login_operational_negotiation, .version_max = 3,
                                 .version_active = 4, .isid = {0x40, 6, 7, 8, 9, 10}, .tsih = 49,
                                 .initiator_task_tag = 50, .stat_sn = 51, .exp_cmd_sn = 52,
                                 .max_cmd_sn = 53, .status_class = 2, .status_detail = 7});
  check_round_trip(TextRequest{.immediate = true, .final = false, .continue_ = true, .lun = 54,
                               .initiator_task_tag = 55, .target_transfer_tag = 56, .cmd_sn = 57,
                               .exp_stat_sn = 58});
  check_round_trip(TextResponse{.final = false, .continue_ = true, .lun = 59, .initiator_task_tag = 60,
                                .target_transfer_tag = 61, .stat_sn = 62, .exp_cmd_sn = 63,
                                .max_cmd_sn = 64});
  check_round_trip(LogoutRequest{.immediate = true, .reason = LogoutReason::remove_connection_for_recovery,
                                 .initiator_task_tag = 65, .cid = 66, .cmd_sn = 67, .exp_stat_sn = 68});
  check_round_trip(LogoutResponse{.response = LogoutResponseCode::cleanup_failed, .initiator_task_tag = 69,
                                  .stat_sn = 70, .exp_cmd_sn = 71, .max_cmd_sn = 72, .time2wait = 73,
                                  .time2retain = 74});
  check_round_trip(TaskManagementRequest{.immediate = true, .function = TmfFunction::task_reassign,
                                         .lun = 75, .initiator_task_tag = 76, .referenced_task_tag = 77,
                                         .cmd_sn = 78, .exp_stat_sn = 79, .ref_cmd_sn = 80,
                                         .exp_data_sn = 81});
  check_round_trip(TaskManagementResponse{.response = TmfResponse::function_rejected,
                                          .initiator_task_tag = 82, .stat_sn = 83, .exp_cmd_sn = 84,
                                          .max_cmd_sn = 85});
  check_round_trip(SnackRequest{.type = SnackType::r_data, .lun = 86, .initiator_task_tag = 87,
                                .target_transfer_tag = 88, .exp_stat_sn = 89, .beg_run = 90,
                                .run_length = 91});
  check_round_trip(AsyncMessage{.lun = 92, .stat_sn = 93, .exp_cmd_sn = 94, .max_cmd_sn = 95,
                                .async_event = AsyncEvent::connection_drop, .async_vcode = 96,
                                .parameter1 = 97, .parameter2 = 98, .parameter3 = 99});
  check_round_trip(Reject{.reason = RejectReason::invalid_pdu_field, .stat_sn = 100, .exp_cmd_sn = 101,
                          .max_cmd_sn = 102, .data_sn_or_r2t_sn = 103});
}

TEST_CASE("pdu codec: RFC 3720 B.4 Read(10) SCSI Command and its header digest", "[iscsi][pdu]") {
  const Bhs wire = bhs_from_hex(
      "01c00000 00000000 00000000 00000000"
      "14000000 00000400 00000014 00000018"
      "28000000 00000000 02000000 00000000");
  ScsiCommand cmd;
  cmd.final = true;
  cmd.read = true;
  cmd.attr = TaskAttribute::untagged;
  cmd.initiator_task_tag = 0x14000000;
  cmd.expected_data_transfer_length = 1024;
  cmd.cmd_sn = 0x14;
  cmd.exp_stat_sn = 0x18;
  const auto cdb = hex("28000000 00000000 0200");
  cmd.set_cdb(cdb);
  CHECK(cmd.extended_cdb.empty());
  CHECK(cmd.encode() == wire);
  CHECK(ScsiCommand::decode(wire) == cmd);

  // The digest value, and its wire bytes: least-significant byte first (digest.h).
  const std::uint32_t crc = header_digest(wire, {});
  CHECK(crc == 0xd9963a56);
  std::array<std::byte, kDigestLength> bytes{};
  store_digest(crc, bytes);
  CHECK(std::vector<std::byte>(bytes.begin(), bytes.end()) == hex("563a96d9"));
  CHECK(load_digest(bytes) == crc);
}

TEST_CASE("pdu codec: RFC 3720 B.4 32 zero bytes give digest bytes aa 36 91 8a", "[iscsi][pdu]") {
  // The example that fixes the digest byte order: CRC32C(32 x 00) = 0x8a9136aa, and the
  // RFC lists its bytes in wire order as aa 36 91 8a.
  const std::array<std::byte, 32> data{};
  std::array<std::byte, kDigestLength> bytes{};
  store_digest(uiscsi::crc::crc32c(std::span<const std::byte>(data)), bytes);
  CHECK(std::vector<std::byte>(bytes.begin(), bytes.end()) == hex("aa36918a"));
}

TEST_CASE("pdu codec: known wire bytes", "[iscsi][pdu]") {
  SECTION("Login Request") {
    const Bhs wire = bhs_from_hex(
        "43870000 00000000 80123456 789a0102"
        "11223344 05060000 0a0b0c0d 01020304"
        "00000000 00000000 00000000 00000000");
    const LoginRequest login{.transit = true, .continue_ = false,
                             .csg = LoginStage::login_operational_negotiation,
                             .nsg = LoginStage::full_feature_phase, .version_max = 0, .version_min = 0,
                             .isid = {0x80, 0x12, 0x34, 0x56, 0x78, 0x9a}, .tsih = 0x0102,
                             .initiator_task_tag = 0x11223344, .cid = 0x0506, .cmd_sn = 0x0a0b0c0d,
                             .exp_stat_sn = 0x01020304};
    CHECK(login.encode() == wire);
    CHECK(LoginRequest::decode(wire) == login);
  }
  SECTION("Login Response with a status") {
    const Bhs wire = bhs_from_hex(
        "23410102 00000000 80123456 789a0000"
        "11223344 00000000 00000007 00000008"
        "00000009 02010000 00000000 00000000");
    const LoginResponse login{.transit = false, .continue_ = true,
                              .csg = LoginStage::security_negotiation,
                              .nsg = LoginStage::login_operational_negotiation, .version_max = 1,
                              .version_active = 2, .isid = {0x80, 0x12, 0x34, 0x56, 0x78, 0x9a},
                              .tsih = 0, .initiator_task_tag = 0x11223344, .stat_sn = 7,
                              .exp_cmd_sn = 8, .max_cmd_sn = 9, .status_class = 2, .status_detail = 1};
    CHECK(login.encode() == wire);
    CHECK(LoginResponse::decode(wire) == login);
  }
  SECTION("SCSI Data-In with status") {
    const Bhs wire = bhs_from_hex(
        "25850002 00000000 00010000 00000000"
        "00000011 ffffffff 00000021 00000022"
        "00000023 00000004 00002000 00000200");
    const DataIn in{.final = true, .acknowledge = false, .residual_overflow = true,
                    .residual_underflow = false, .status_present = true, .status = 0x02,
                    .lun = 0x0001000000000000, .initiator_task_tag = 0x11,
                    .target_transfer_tag = kReservedTag, .stat_sn = 0x21, .exp_cmd_sn = 0x22,
                    .max_cmd_sn = 0x23, .data_sn = 4, .buffer_offset = 0x2000, .residual_count = 0x200};
    CHECK(in.encode() == wire);
    CHECK(DataIn::decode(wire) == in);
  }
  SECTION("SCSI Response with bidirectional residuals") {
    const Bhs wire = bhs_from_hex(
        "21960002 00000000 00000000 00000000"
        "00000011 00000005 00000021 00000022"
        "00000023 00000003 00000100 00000200");
    const ScsiResponse rsp{.bidirectional_read_residual_overflow = true,
                           .bidirectional_read_residual_underflow = false, .residual_overflow = true,
                           .residual_underflow = true, .response = ServiceResponse::command_completed_at_target,
                           .status = 0x02, .initiator_task_tag = 0x11, .snack_tag = 5, .stat_sn = 0x21,
                           .exp_cmd_sn = 0x22, .max_cmd_sn = 0x23, .exp_data_sn = 3,
                           .bidirectional_read_residual_count = 0x100, .residual_count = 0x200};
    CHECK(rsp.encode() == wire);
    CHECK(ScsiResponse::decode(wire) == rsp);
  }
  SECTION("R2T") {
    const Bhs wire = bhs_from_hex(
        "31800000 00000000 00020000 00000000"
        "00000011 00000077 00000021 00000022"
        "00000023 00000001 00010000 00040000");
    const R2t r2t{.lun = 0x0002000000000000, .initiator_task_tag = 0x11, .target_transfer_tag = 0x77,
                  .stat_sn = 0x21, .exp_cmd_sn = 0x22, .max_cmd_sn = 0x23, .r2t_sn = 1,
                  .buffer_offset = 0x10000, .desired_data_transfer_length = 0x40000};
    CHECK(r2t.encode() == wire);
    CHECK(R2t::decode(wire) == r2t);
  }
  SECTION("Task Management Function Request: ABORT TASK") {
    const Bhs wire = bhs_from_hex(
        "42810000 00000000 00030000 00000000"
        "00000012 00000011 00000031 00000041"
        "00000030 00000002 00000000 00000000");
    const TaskManagementRequest tmf{.immediate = true, .function = TmfFunction::abort_task,
                                    .lun = 0x0003000000000000, .initiator_task_tag = 0x12,
                                    .referenced_task_tag = 0x11, .cmd_sn = 0x31, .exp_stat_sn = 0x41,
                                    .ref_cmd_sn = 0x30, .exp_data_sn = 2};
    CHECK(tmf.encode() == wire);
    CHECK(TaskManagementRequest::decode(wire) == tmf);
  }
  SECTION("Asynchronous Message: connection drop") {
    const Bhs wire = bhs_from_hex(
        "32800000 00000000 00000000 00000000"
        "ffffffff 00000000 00000021 00000022"
        "00000023 02000001 00020014 00000000");
    const AsyncMessage msg{.lun = 0, .stat_sn = 0x21, .exp_cmd_sn = 0x22, .max_cmd_sn = 0x23,
                           .async_event = AsyncEvent::connection_drop, .async_vcode = 0,
                           .parameter1 = 1, .parameter2 = 2, .parameter3 = 20};
    CHECK(msg.encode() == wire);
    CHECK(AsyncMessage::decode(wire) == msg);
  }
  SECTION("SNACK Request: R-Data") {
    const Bhs wire = bhs_from_hex(
        "10830000 00000000 00000000 00000000"
        "00000011 00000099 00000000 00000041"
        "00000000 00000000 00000000 00000000");
    const SnackRequest snack{.type = SnackType::r_data, .lun = 0, .initiator_task_tag = 0x11,
                             .target_transfer_tag = 0x99, .exp_stat_sn = 0x41, .beg_run = 0,
                             .run_length = 0};
    CHECK(snack.encode() == wire);
    CHECK(SnackRequest::decode(wire) == snack);
  }
  SECTION("Logout Response") {
    const Bhs wire = bhs_from_hex(
        "26800000 00000000 00000000 00000000"
        "00000011 00000000 00000021 00000022"
        "00000023 00000000 00020014 00000000");
    const LogoutResponse logout{.response = LogoutResponseCode::closed_successfully,
                                .initiator_task_tag = 0x11, .stat_sn = 0x21, .exp_cmd_sn = 0x22,
                                .max_cmd_sn = 0x23, .time2wait = 2, .time2retain = 20};
    CHECK(logout.encode() == wire);
    CHECK(LogoutResponse::decode(wire) == logout);
  }
  SECTION("Reject") {
    const Bhs wire = bhs_from_hex(
        "3f800400 00000000 00000000 00000000"
        "ffffffff 00000000 00000021 00000022"
        "00000023 00000000 00000000 00000000");
    const Reject reject{.reason = RejectReason::protocol_error, .stat_sn = 0x21, .exp_cmd_sn = 0x22,
                        .max_cmd_sn = 0x23, .data_sn_or_r2t_sn = 0};
    CHECK(reject.encode() == wire);
    CHECK(Reject::decode(wire) == reject);
  }
}

TEST_CASE("pdu codec: common BHS accessors", "[iscsi][pdu]") {
  Bhs b;
  b.set_opcode(Opcode::scsi_data_in);
  b.set_immediate(true);
  b.set_final(true);
  b.set_total_ahs_length(3);
  b.set_data_segment_length(0xabcdef);
  b.set_lun(0x0102030405060708);
  b.set_initiator_task_tag(0xdeadbeef);
  CHECK(b.raw[0] == std::byte{0x65});
  CHECK(b.raw[1] == std::byte{0x80});
  CHECK(b.raw[4] == std::byte{3});
  CHECK(b.raw[5] == std::byte{0xab});
  CHECK(b.raw[7] == std::byte{0xef});
  CHECK(b.raw[8] == std::byte{0x01});
  CHECK(b.raw[15] == std::byte{0x08});
  CHECK(b.raw[16] == std::byte{0xde});
  CHECK(b.opcode() == Opcode::scsi_data_in);
  CHECK(b.immediate());
  CHECK(b.final());
  CHECK(b.ahs_bytes() == 12);
  CHECK(b.data_segment_length() == 0xabcdef);
  CHECK(b.lun() == 0x0102030405060708);
  CHECK(b.initiator_task_tag() == 0xdeadbeef);
  b.set_immediate(false);
  b.set_opcode(Opcode::reject);
  CHECK(b.raw[0] == std::byte{0x3f});

  // An unassigned opcode is still a value: framing does not care (the session rejects it).
  b.set_opcode(Opcode{0x1c});
  CHECK(b.opcode() == Opcode{0x1c});
  CHECK_FALSE(is_known(b.opcode()));
  CHECK(is_known(Opcode::snack_request));
  CHECK(is_target_opcode(Opcode::r2t));
  CHECK_FALSE(is_target_opcode(Opcode::scsi_data_out));
  CHECK(name(Opcode::scsi_data_in) == "SCSI Data-In");
}

TEST_CASE("pdu codec: long CDBs and the bidirectional length travel in the AHS", "[iscsi][pdu]") {
  std::vector<std::byte> long_cdb(32);
  for (std::size_t i = 0; i < long_cdb.size(); ++i) long_cdb[i] = std::byte(0x7f + i);
  ScsiCommand cmd;
  cmd.read = true;
  cmd.write = true;
  cmd.initiator_task_tag = 7;
  cmd.set_cdb(long_cdb);
  cmd.bidirectional_read_data_length = 0x12345678;
  REQUIRE(cmd.extended_cdb.size() == 16);

  std::vector<std::byte> ahs;
  cmd.encode_ahs(ahs);
  // Extended CDB: AHSLength = 32 - 15 = 17, type 1, reserved, 16 bytes (20 bytes, no
  // padding); then AHSLength 5, type 2, reserved, the length (RFC 7143 11.2.2.3, 11.2.2.4).
  REQUIRE(ahs.size() == 20 + 8);
  CHECK(std::vector<std::byte>(ahs.begin(), ahs.begin() + 4) == hex("00110100"));
  CHECK(ahs[4] == long_cdb[16]);
  CHECK(std::vector<std::byte>(ahs.begin() + 20, ahs.end()) == hex("00050200 12345678"));
  CHECK_FALSE(validate_ahs(ahs));

  std::error_code ec;
  const ScsiCommand back = ScsiCommand::decode(cmd.encode(), ahs, ec);
  CHECK_FALSE(ec);
  CHECK(back == cmd);

  SECTION("an odd-length extended CDB is padded to 4 bytes") {
    ScsiCommand odd;
    odd.set_cdb(std::span<const std::byte>(long_cdb).first(18));
    std::vector<std::byte> padded;
    odd.encode_ahs(padded);
    // AHSLength = 18 - 15 = 3: 3 + 3 bytes, 2 of padding.
    REQUIRE(padded.size() == 8);
    CHECK(std::vector<std::byte>(padded.begin(), padded.begin() + 4) == hex("00030100"));
    CHECK(padded[4] == long_cdb[16]);
    CHECK(padded[5] == long_cdb[17]);
    CHECK(padded[6] == std::byte{0});
    CHECK(ScsiCommand::decode(odd.encode(), padded, ec) == odd);
    CHECK_FALSE(ec);
  }
  SECTION("a CDB of at most 16 bytes needs no AHS") {
    ScsiCommand small;
    small.set_cdb(std::span<const std::byte>(long_cdb).first(12));
    std::vector<std::byte> none;
    small.encode_ahs(none);
    CHECK(none.empty());
    CHECK(small.cdb[11] == long_cdb[11]);
    CHECK(small.cdb[12] == std::byte{0});
  }
  SECTION("a duplicated AHS is an error") {
    std::vector<std::byte> twice = ahs;
    twice.insert(twice.end(), ahs.begin() + 20, ahs.end());
    ScsiCommand::decode(cmd.encode(), twice, ec);
    CHECK(ec == pdu_errc::bad_ahs);
  }
  SECTION("an unknown AHS type is an error") {
    auto unknown = hex("00050300 00000000");
    ScsiCommand::decode(cmd.encode(), unknown, ec);
    CHECK(ec == pdu_errc::bad_ahs);
  }
  SECTION("a bidirectional AHS of the wrong length is an error") {
    auto wrong = hex("00040200 00000000");
    ScsiCommand::decode(cmd.encode(), wrong, ec);
    CHECK(ec == pdu_errc::bad_ahs);
  }
  SECTION("an AHS running past the end is an error") {
    auto truncated = hex("00110100 00000000");
    CHECK(validate_ahs(truncated) == pdu_errc::bad_ahs);
    ScsiCommand::decode(cmd.encode(), truncated, ec);
    CHECK(ec == pdu_errc::bad_ahs);
  }
}

TEST_CASE("pdu codec: error categories", "[iscsi][pdu]") {
  const std::error_code digest = pdu_errc::data_digest_mismatch;
  CHECK(std::string(digest.category().name()) == "iscsi.pdu");
  CHECK(is_digest_error(digest));
  CHECK(is_digest_error(pdu_errc::header_digest_mismatch));
  CHECK_FALSE(is_digest_error(pdu_errc::data_segment_too_long));
  CHECK_FALSE(digest.message().empty());
  const std::error_code reject = RejectReason::waiting_for_logout;
  CHECK(std::string(reject.category().name()) == "iscsi.reject");
  CHECK(reject.value() == 0x0c);
  CHECK(reject.message() == "Waiting for Logout");
}
