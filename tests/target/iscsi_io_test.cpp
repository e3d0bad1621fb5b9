// SCSI reads and writes through the iSCSI layer: immediate data, unsolicited Data-Out,
// R2Ts with MaxOutstandingR2T > 1, multi-PDU Data-In, phase collapse and residuals.
#include "iscsi_test_support.h"

using namespace uiscsi;
using namespace uiscsi::target::iscsit;
using namespace uiscsi::target::iscsit::test;

namespace {

// Logs in with `settings`, writes `bytes` at LBA 8 and reads them back.
CommandResult write_then_read(Harness& h, const iscsi::LocalSettings& settings, std::size_t bytes,
                              CommandResult* write_result = nullptr, bool unsolicited = true) {
  return h.run([&]() -> asio::awaitable<CommandResult> {
    LoginOptions o;
    o.settings = settings;
    auto i = co_await logged_in(h, o);
    const auto data = pattern(bytes, static_cast<unsigned>(bytes));
    const CommandResult w = co_await i->write(8, data, unsolicited);
    REQUIRE(w.completed);
    CHECK(w.status == 0);
    if (write_result) *write_result = w;
    CommandResult r = co_await i->read(8, static_cast<std::uint32_t>(bytes / kBlockSize));
    REQUIRE(r.completed);
    CHECK(r.status == 0);
    CHECK(mismatch_at(r.data, data) == -1);
    co_return r;
  }());
}

}  // namespace

TEST_CASE("Write with immediate data only, read back in one Data-In", "[iscsi][io]") {
  Harness h;
  CommandResult w;
  const CommandResult r = write_then_read(h, LoginOptions::default_settings(), 4096, &w);
  CHECK(w.r2ts == 0);
  CHECK(r.data_in_pdus == 1);
  CHECK(r.collapsed);  // GOOD with data: the status rides on the Data-In (RFC 7143 11.7.4)
  CHECK(!r.overflow);
  CHECK(!r.underflow);
}

TEST_CASE("Write with immediate data, unsolicited Data-Out and R2Ts", "[iscsi][io]") {
  Harness h;
  iscsi::LocalSettings s = LoginOptions::default_settings();
  s.max_recv_data_segment_length = 4096;  // Data-In in 4 KiB PDUs
  CommandResult w;
  // 16 KiB unsolicited (FirstBurstLength), then 112 KiB in R2Ts of at most 64 KiB.
  const CommandResult r = write_then_read(h, s, 128 * 1024, &w);
  CHECK(w.r2ts == 2);
  REQUIRE(w.r2t_log.size() == 2);
  CHECK(w.r2t_log[0].buffer_offset == 16384);
  CHECK(w.r2t_log[0].desired_data_transfer_length == 65536);
  CHECK(w.r2t_log[1].buffer_offset == 16384 + 65536);
  CHECK(w.r2t_log[1].desired_data_transfer_length == 131072 - 16384 - 65536);
  CHECK(w.r2t_log[0].r2t_sn == 0);
  CHECK(w.r2t_log[1].r2t_sn == 1);
  CHECK(w.r2t_log[0].target_transfer_tag != w.r2t_log[1].target_transfer_tag);
  // Both R2Ts were out at once (MaxOutstandingR2T=4) and the response counts them.
  CHECK(w.exp_data_sn == 2);
  CHECK(r.data_in_pdus == 32);
  // F at the end of every MaxBurstLength sequence (RFC 7143 11.7.1), DataSN counting on.
  for (std::size_t n = 0; n < r.data_in_log.size(); ++n) {
    CHECK(r.data_in_log[n].data_sn == n);
    CHECK(r.data_in_log[n].final == ((n + 1) % 16 == 0));
  }
}

TEST_CASE("Write with InitialR2T=Yes and ImmediateData=No: everything solicited", "[iscsi][io]") {
  Harness h;
  iscsi::LocalSettings s = LoginOptions::default_settings();
  s.initial_r2t = true;
  s.immediate_data = false;
  s.max_outstanding_r2t = 1;
  CommandResult w;
  write_then_read(h, s, 200 * 1024, &w);
  CHECK(w.r2ts == 4);  // 64+64+64+8 KiB, one at a time
  REQUIRE(w.r2t_log.size() == 4);
  CHECK(w.r2t_log[0].buffer_offset == 0);
  CHECK(w.r2t_log[3].desired_data_transfer_length == 8192);
}

TEST_CASE("Write without immediate data but with unsolicited Data-Out", "[iscsi][io]") {
  Harness h;
  iscsi::LocalSettings s = LoginOptions::default_settings();
  s.immediate_data = false;
  CommandResult w;
  write_then_read(h, s, 40 * 1024, &w);
  REQUIRE(w.r2ts == 1);
  CHECK(w.r2t_log[0].buffer_offset == 16384);
}

TEST_CASE("Read residuals (RFC 7143 11.4.5)", "[iscsi][io][residual]") {
  Harness h;
  h.run([&]() -> asio::awaitable<int> {
    auto i = co_await logged_in(h);
    // The initiator expects more than the command transfers: underflow.
    CommandResult r = co_await i->read(0, 2, 10000);
    REQUIRE(r.completed);
    CHECK(r.status == 0);
    CHECK(r.underflow);
    CHECK(!r.overflow);
    CHECK(r.residual == 10000 - 1024);
    // Less than the command transfers: overflow, and only what fits is sent.
    r = co_await i->read(0, 4, 1024);
    REQUIRE(r.completed);
    CHECK(r.overflow);
    CHECK(r.residual == 1024);
    std::uint32_t received = 0;
    for (const auto& d : r.data_in_log) received += static_cast<std::uint32_t>(d.buffer_offset < 1024 ? 1 : 0);
    CHECK(received >= 1);
    // Exactly right: none.
    r = co_await i->read(0, 1, 512);
    CHECK(!r.overflow);
    CHECK(!r.underflow);
    co_return 0;
  }());
}

TEST_CASE("Write residuals (libiscsi iSCSIResiduals cases)", "[iscsi][io][residual]") {
  Harness h;
  h.run([&]() -> asio::awaitable<int> {
    auto i = co_await logged_in(h);
    const auto data = pattern(10000, 3);
    // One block written, 10000 bytes expected and sent: underflow of 10000 - 512.
    const auto one_block = iscsi::scsi::cdb::write_16(0, 1);
    Initiator::Command c{.cdb = one_block.view(), .expected_length = 10000, .write = true, .data_out = data};
    CommandResult r = co_await i->command(c);
    REQUIRE(r.completed);
    CHECK(r.underflow);
    CHECK(r.residual == 10000 - 512);
    // Two blocks, only one block expected: overflow of 512.
    const auto two_blocks = iscsi::scsi::cdb::write_16(0, 2);
    Initiator::Command c2{.cdb = two_blocks.view(), .expected_length = 512, .write = true, .data_out = data};
    r = co_await i->command(c2);
    REQUIRE(r.completed);
    CHECK(r.overflow);
    CHECK(r.residual == 512);
    co_return 0;
  }());
}

TEST_CASE("CHECK CONDITION carries sense in a SCSI Response after the data", "[iscsi][io]") {
  Harness h;
  h.run([&]() -> asio::awaitable<int> {
    auto i = co_await logged_in(h);
    // Beyond the end of the 4 MiB disk.
    const CommandResult r = co_await i->read(kDiskBytes / kBlockSize, 1);
    REQUIRE(r.completed);
    CHECK(r.status == 0x02);
    CHECK(!r.collapsed);
    iscsi::scsi::SenseData sense;
    REQUIRE(!iscsi::scsi::parse_sense(r.sense, sense));
    CHECK(sense.code.key == iscsi::scsi::SenseKey::illegal_request);
    CHECK(sense.code.additional == iscsi::scsi::asc::lba_out_of_range);
    co_return 0;
  }());
}

TEST_CASE("Several commands in flight complete in CmdSN order", "[iscsi][io][cmdsn]") {
  Harness h;
  h.run([&]() -> asio::awaitable<int> {
    auto i = co_await logged_in(h);
    const auto data = pattern(8192, 9);
    const CommandResult w = co_await i->write(100, data);
    REQUIRE(w.completed);
    // Three reads sent back to back, then all answers collected.
    std::vector<std::uint32_t> itts;
    for (int n = 0; n < 3; ++n) {
      const auto cdb = iscsi::scsi::cdb::read_16(100, 16);
      const Initiator::Command c{.cdb = cdb.view(), .expected_length = 8192, .read = true};
      itts.push_back(i->next_itt++);
      co_await i->send_command(c, itts.back());
    }
    std::vector<std::uint32_t> order;
    while (order.size() < 3) {
      const auto r = co_await i->receive();
      REQUIRE(!r.ec);
      if (r.pdu.bhs.opcode() == iscsi::Opcode::scsi_data_in && iscsi::DataIn::decode(r.pdu.bhs).status_present) {
        order.push_back(r.pdu.bhs.initiator_task_tag());
      }
    }
    CHECK(order == itts);
    co_return 0;
  }());
}
