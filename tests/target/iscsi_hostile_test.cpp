// Hostile and broken initiators: what is rejected, what fails only the command, and what
// drops the connection — while another session on the same server goes on working.
#include "iscsi_test_support.h"

using namespace uiscsi;
using namespace uiscsi::target::iscsit;
using namespace uiscsi::target::iscsit::test;

namespace {

iscsi::Reject rejected(const offload::Received& r) {
  REQUIRE(!r.ec);
  REQUIRE(r.pdu.bhs.opcode() == iscsi::Opcode::reject);
  REQUIRE(r.pdu.data.size() == iscsi::kBhsLength);  // the header of the rejected PDU
  return iscsi::Reject::decode(r.pdu.bhs);
}

// The bystander: a second session that must not notice anything.
asio::awaitable<void> still_works(Initiator& bystander) {
  const auto data = pattern(12288, 77);
  const CommandResult w = co_await bystander.write(1000, data);
  REQUIRE(w.completed);
  CHECK(w.status == 0);
  const CommandResult r = co_await bystander.read(1000, 24);
  REQUIRE(r.completed);
  CHECK(mismatch_at(r.data, data) == -1);
}

LoginOptions other_isid() {
  LoginOptions o;
  o.isid = {0x80, 0x99, 0x99, 0x99, 0x00, 0x07};
  return o;
}

}  // namespace

TEST_CASE("Unknown and target-only opcodes are rejected, the session goes on", "[iscsi][hostile]") {
  Harness h;
  h.run([&]() -> asio::awaitable<int> {
    auto i = co_await logged_in(h);
    iscsi::Bhs vendor;
    vendor.set_opcode(iscsi::Opcode{0x1c});
    vendor.set_initiator_task_tag(0x77);
    auto sent = co_await i->send(vendor);
    REQUIRE(!sent);
    auto r = co_await i->receive();
    const iscsi::Reject reject = rejected(r);
    CHECK(reject.reason == iscsi::RejectReason::command_not_supported);
    iscsi::Bhs echoed;
    std::memcpy(echoed.raw.data(), r.pdu.data.data(), iscsi::kBhsLength);
    CHECK(echoed.initiator_task_tag() == 0x77);
    // A target opcode from the initiator.
    iscsi::ScsiResponse response;
    sent = co_await i->send(response.encode());
    REQUIRE(!sent);
    r = co_await i->receive();
    CHECK(rejected(r).reason == iscsi::RejectReason::command_not_supported);
    // SNACK needs ErrorRecoveryLevel > 0.
    iscsi::SnackRequest snack;
    sent = co_await i->send(snack.encode());
    REQUIRE(!sent);
    r = co_await i->receive();
    CHECK(rejected(r).reason == iscsi::RejectReason::protocol_error);
    // A Login Request in Full Feature Phase.
    iscsi::LoginRequest login;
    sent = co_await i->send(login.encode());
    REQUIRE(!sent);
    r = co_await i->receive();
    CHECK(rejected(r).reason == iscsi::RejectReason::protocol_error);
    const CommandResult ok = co_await i->test_unit_ready();
    CHECK(ok.completed);
    co_return 0;
  }());
}

TEST_CASE("DataSegmentLength above MaxRecvDataSegmentLength drops the connection", "[iscsi][hostile]") {
  Harness h;
  h.run([&]() -> asio::awaitable<int> {
    auto bystander = co_await logged_in(h, other_isid());
    auto i = co_await logged_in(h);
    const auto big = pattern(262144 + 4, 1);  // one word above the target's declaration
    iscsi::NopOut n;
    n.immediate = true;
    n.initiator_task_tag = 5;
    (void)co_await i->send(n.encode(), big);
    const auto r = co_await i->receive(3s);
    CHECK((r.ec == offload::errc::closed || r.ec == offload::errc::closed_mid_pdu));
    co_await still_works(*bystander);
    co_return 0;
  }());
}

TEST_CASE("Digest errors drop the connection at ErrorRecoveryLevel 0", "[iscsi][hostile][digest]") {
  Harness h;
  h.run([&]() -> asio::awaitable<int> {
    auto bystander = co_await logged_in(h, other_isid());
    LoginOptions o;
    o.settings.header_digests = {iscsi::DigestType::crc32c};
    o.settings.data_digests = {iscsi::DigestType::crc32c};
    auto i = co_await logged_in(h, o);
    REQUIRE(i->params.connection.header_digest == iscsi::DigestType::crc32c);
    REQUIRE(i->params.connection.data_digest == iscsi::DigestType::crc32c);
    // Digests work both ways.
    co_await still_works(*i);
    const auto& faults = h.last_target_faults();
    SECTION("data digest: a Reject naming the PDU, then the connection goes") {
      // Byte 100 of the next PDU: inside the immediate data of the write.
      faults->faults.corrupt_offset = faults->bytes_seen() + iscsi::kBhsLength + 4 + 100;
      const auto data = pattern(4096, 2);
      const auto cdb = iscsi::scsi::cdb::write_16(0, 8);
      const Initiator::Command c{.cdb = cdb.view(), .expected_length = 4096, .write = true, .data_out = data};
      co_await i->send_command(c, 0x3001);
      auto r = co_await i->receive();
      const iscsi::Reject reject = rejected(r);
      CHECK(reject.reason == iscsi::RejectReason::data_digest_error);
      r = co_await i->receive(3s);
      CHECK(r.ec == offload::errc::closed);
    }
    SECTION("header digest: the connection goes at once") {
      faults->faults.corrupt_offset = faults->bytes_seen() + 10;
      const auto p = co_await i->ping();
      CHECK(p.ec == offload::errc::closed);
    }
    co_await still_works(*bystander);
    co_return 0;
  }());
}

TEST_CASE("Data-Out that breaks the rules fails the command, not the connection", "[iscsi][hostile]") {
  Harness h;
  h.run([&]() -> asio::awaitable<int> {
    LoginOptions o;
    o.settings.initial_r2t = true;
    o.settings.immediate_data = false;
    auto i = co_await logged_in(h, o);
    const auto data = pattern(4096, 3);
    const auto cdb = iscsi::scsi::cdb::write_16(0, 8);
    iscsi::ScsiCommand cmd;
    cmd.write = true;
    cmd.initiator_task_tag = 0x4001;
    cmd.expected_data_transfer_length = 4096;
    cmd.cmd_sn = i->cmd_sn++;
    cmd.set_cdb(cdb.view());
    auto sent = co_await i->send(cmd.encode());
    REQUIRE(!sent);
    auto r = co_await i->receive();
    REQUIRE(r.pdu.bhs.opcode() == iscsi::Opcode::r2t);
    const auto r2t = iscsi::R2t::decode(r.pdu.bhs);
    // DataSN 1 where 0 is due (libiscsi iSCSIDataSnInvalid).
    iscsi::DataOut d;
    d.initiator_task_tag = 0x4001;
    d.target_transfer_tag = r2t.target_transfer_tag;
    d.data_sn = 1;
    d.final = true;
    sent = co_await i->send(d.encode(), data);
    REQUIRE(!sent);
    r = co_await i->receive();
    REQUIRE(!r.ec);
    REQUIRE(r.pdu.bhs.opcode() == iscsi::Opcode::scsi_response);
    CHECK(iscsi::ScsiResponse::decode(r.pdu.bhs).status == 0x02);
    std::span<const std::byte> sense_bytes, rest;
    REQUIRE(!iscsi::scsi::split_sense_segment(r.pdu.data, sense_bytes, rest));
    iscsi::scsi::SenseData sense;
    REQUIRE(!iscsi::scsi::parse_sense(sense_bytes, sense));
    CHECK(sense.code.key == iscsi::scsi::SenseKey::aborted_command);
    CHECK(sense.code.additional == iscsi::scsi::asc::data_phase_error);
    // More Data-Out for it: dropped quietly. Data-Out for a task that never was: rejected.
    d.data_sn = 0;
    sent = co_await i->send(d.encode(), data);
    REQUIRE(!sent);
    d.initiator_task_tag = 0x4999;
    sent = co_await i->send(d.encode(), data);
    REQUIRE(!sent);
    r = co_await i->receive();
    CHECK(rejected(r).reason == iscsi::RejectReason::invalid_pdu_field);
    // The connection is fine, and the block was not written.
    const CommandResult read = co_await i->read(0, 8);
    REQUIRE(read.completed);
    CHECK(read.status == 0);
    CHECK(mismatch_at(read.data, data) != -1);
    co_return 0;
  }());
}

TEST_CASE("Malformed SCSI Commands are rejected and their CmdSN used up", "[iscsi][hostile]") {
  Harness h;
  h.run([&]() -> asio::awaitable<int> {
    auto i = co_await logged_in(h);
    const auto cdb = iscsi::scsi::cdb::read_16(0, 1);
    SECTION("data with a read") {
      iscsi::ScsiCommand cmd;
      cmd.read = true;
      cmd.initiator_task_tag = 0x5001;
      cmd.expected_data_transfer_length = 512;
      cmd.cmd_sn = i->cmd_sn++;
      cmd.set_cdb(cdb.view());
      const auto junk = pattern(512, 4);
      const auto sent = co_await i->send(cmd.encode(), junk);
      REQUIRE(!sent);
      const auto r = co_await i->receive();
      CHECK(rejected(r).reason == iscsi::RejectReason::protocol_error);
    }
    SECTION("an AHS of an unknown type") {
      iscsi::ScsiCommand cmd;
      cmd.read = true;
      cmd.initiator_task_tag = 0x5002;
      cmd.expected_data_transfer_length = 512;
      cmd.cmd_sn = i->cmd_sn++;
      cmd.set_cdb(cdb.view());
      const std::vector<std::byte> ahs{std::byte{0}, std::byte{4}, std::byte{0x7f}, std::byte{0},
                                       std::byte{0}, std::byte{0},  std::byte{0},    std::byte{0}};
      const auto sent = co_await i->send(cmd.encode(), {}, ahs);
      REQUIRE(!sent);
      const auto r = co_await i->receive();
      CHECK(rejected(r).reason == iscsi::RejectReason::invalid_pdu_field);
    }
    SECTION("an Initiator Task Tag in use") {
      const auto write = iscsi::scsi::cdb::write_16(0, 8);
      iscsi::ScsiCommand cmd;
      cmd.write = true;
      cmd.final = true;
      cmd.initiator_task_tag = 0x5003;
      cmd.expected_data_transfer_length = 4096;
      cmd.cmd_sn = i->cmd_sn++;
      cmd.set_cdb(write.view());
      auto sent = co_await i->send(cmd.encode());
      REQUIRE(!sent);
      auto r = co_await i->receive();
      REQUIRE(r.pdu.bhs.opcode() == iscsi::Opcode::r2t);
      cmd.cmd_sn = i->cmd_sn++;
      sent = co_await i->send(cmd.encode());
      REQUIRE(!sent);
      r = co_await i->receive();
      CHECK(rejected(r).reason == iscsi::RejectReason::task_in_progress);
    }
    // The rejected command's CmdSN does not hold up the next one.
    const CommandResult ok = co_await i->test_unit_ready();
    CHECK(ok.completed);
    CHECK(ok.status == 0);
    co_return 0;
  }());
}

TEST_CASE("Unsolicited data the negotiation forbids fails the command", "[iscsi][hostile]") {
  Harness h;
  h.run([&]() -> asio::awaitable<int> {
    LoginOptions o;
    o.settings.immediate_data = false;  // ImmediateData=No for the session
    auto i = co_await logged_in(h, o);
    REQUIRE(!i->params.session.immediate_data);
    const auto data = pattern(4096, 5);
    const auto cdb = iscsi::scsi::cdb::write_16(0, 8);
    iscsi::ScsiCommand cmd;
    cmd.write = true;
    cmd.initiator_task_tag = 0x6001;
    cmd.expected_data_transfer_length = 4096;
    cmd.cmd_sn = i->cmd_sn++;
    cmd.set_cdb(cdb.view());
    const auto sent = co_await i->send(cmd.encode(), data);  // immediate data anyway
    REQUIRE(!sent);
    const auto r = co_await i->receive();
    REQUIRE(!r.ec);
    REQUIRE(r.pdu.bhs.opcode() == iscsi::Opcode::scsi_response);
    CHECK(iscsi::ScsiResponse::decode(r.pdu.bhs).status == 0x02);
    std::span<const std::byte> sense_bytes, rest;
    REQUIRE(!iscsi::scsi::split_sense_segment(r.pdu.data, sense_bytes, rest));
    iscsi::scsi::SenseData sense;
    REQUIRE(!iscsi::scsi::parse_sense(sense_bytes, sense));
    CHECK(sense.code.additional == iscsi::scsi::asc::unexpected_unsolicited_data);
    co_return 0;
  }());
}

TEST_CASE("Everything works when the target receives one byte at a time", "[iscsi][hostile]") {
  Harness h;
  h.run([&]() -> asio::awaitable<int> {
    offload::testing::Faults faults;
    faults.byte_at_a_time = true;
    Initiator i(h.connect(faults));
    const LoginResult login = co_await i.login();
    REQUIRE(login.status == iscsi::LoginStatus::success);
    (void)co_await i.test_unit_ready();  // the POWER ON unit attention
    co_await still_works(i);
    co_return 0;
  }());
}

TEST_CASE("A connection that breaks mid-PDU fails its session, others go on", "[iscsi][hostile]") {
  Harness h;
  h.run([&]() -> asio::awaitable<int> {
    auto bystander = co_await logged_in(h, other_isid());
    auto i = co_await logged_in(h);
    const auto& faults = h.last_target_faults();
    faults->faults.close_after = faults->bytes_seen() + 30;
    (void)co_await i->ping();
    h.run_until([&] { return h.server().sessions().size() == 1; }, 2s);
    CHECK(h.server().sessions().size() == 1);
    co_await still_works(*bystander);
    co_return 0;
  }());
}
