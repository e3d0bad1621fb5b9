// Full Feature Phase behaviour of sessions: NOP, CmdSN ordering, task management, logout,
// session reinstatement, several connections per session, SendTargets.
#include "iscsi_test_support.h"
#include "iscsi/scsi_lun.h"

using namespace uiscsi;
using namespace uiscsi::target::iscsit;
using namespace uiscsi::target::iscsit::test;

namespace {

iscsi::TmfResponse tmf_response(const offload::Received& r) {
  REQUIRE(!r.ec);
  REQUIRE(r.pdu.bhs.opcode() == iscsi::Opcode::task_management_response);
  return iscsi::TaskManagementResponse::decode(r.pdu.bhs).response;
}

// Sends a write whose data is withheld: with InitialR2T=Yes and no immediate data the task
// waits for Data-Out after its R2T. Returns the R2T.
asio::awaitable<iscsi::R2t> stalled_write(Initiator& i, std::uint32_t itt, std::uint64_t lba = 0) {
  const auto cdb = iscsi::scsi::cdb::write_16(lba, 8);
  iscsi::ScsiCommand cmd;
  cmd.write = true;
  cmd.final = true;
  cmd.initiator_task_tag = itt;
  cmd.expected_data_transfer_length = 4096;
  cmd.cmd_sn = i.cmd_sn++;
  cmd.exp_stat_sn = i.exp_stat_sn;
  cmd.set_cdb(cdb.view());
  const auto sent = co_await i.send(cmd.encode());
  REQUIRE(!sent);
  const auto r = co_await i.receive();
  REQUIRE(!r.ec);
  REQUIRE(r.pdu.bhs.opcode() == iscsi::Opcode::r2t);
  co_return iscsi::R2t::decode(r.pdu.bhs);
}

LoginOptions solicited_only() {
  LoginOptions o;
  o.settings.initial_r2t = true;
  o.settings.immediate_data = false;
  return o;
}

}  // namespace

TEST_CASE("NOP-Out is answered with its data, NOP-Out without ITT is not", "[iscsi][nop]") {
  Harness h;
  h.run([&]() -> asio::awaitable<int> {
    auto i = co_await logged_in(h);
    const auto data = pattern(1000, 5);
    const std::uint32_t before = i->exp_stat_sn;
    auto r = co_await i->ping(data);
    REQUIRE(!r.ec);
    REQUIRE(r.pdu.bhs.opcode() == iscsi::Opcode::nop_in);
    const auto in = iscsi::NopIn::decode(r.pdu.bhs);
    CHECK(in.initiator_task_tag == i->next_itt - 1);
    CHECK(in.target_transfer_tag == iscsi::kReservedTag);
    CHECK(in.stat_sn == before);
    CHECK(mismatch_at(r.pdu.data, data) == -1);
    // A non-immediate ping takes a CmdSN like any command.
    r = co_await i->ping({}, false);
    REQUIRE(!r.ec);
    CHECK(iscsi::NopIn::decode(r.pdu.bhs).exp_cmd_sn == i->cmd_sn);
    // ITT reserved: nothing comes back.
    iscsi::NopOut quiet;
    quiet.immediate = true;
    quiet.cmd_sn = i->cmd_sn;
    const auto sent = co_await i->send(quiet.encode());
    REQUIRE(!sent);
    r = co_await i->receive(300ms);
    CHECK(r.ec == std::errc::timed_out);
    co_return 0;
  }());
}

TEST_CASE("NOP-In pings an idle initiator and drops it when it does not answer", "[iscsi][nop]") {
  Config c = make_config();
  c.targets[0].nop = {std::chrono::seconds(1), std::chrono::seconds(1)};
  Harness h(c);
  h.run(
      [&]() -> asio::awaitable<int> {
        auto i = co_await logged_in(h);
        // The first ping: answered.
        auto r = co_await i->receive(3s);
        REQUIRE(!r.ec);
        REQUIRE(r.pdu.bhs.opcode() == iscsi::Opcode::nop_in);
        auto ping = iscsi::NopIn::decode(r.pdu.bhs);
        CHECK(ping.initiator_task_tag == iscsi::kReservedTag);
        REQUIRE(ping.target_transfer_tag != iscsi::kReservedTag);
        iscsi::NopOut answer;
        answer.immediate = true;
        answer.target_transfer_tag = ping.target_transfer_tag;
        answer.cmd_sn = i->cmd_sn;
        const auto sent = co_await i->send(answer.encode());
        REQUIRE(!sent);
        // The next one: ignored, so the connection goes.
        r = co_await i->receive(3s);
        REQUIRE(!r.ec);
        REQUIRE(r.pdu.bhs.opcode() == iscsi::Opcode::nop_in);
        r = co_await i->receive(4s);
        CHECK(r.ec == offload::errc::closed);
        co_return 0;
      }(),
      20s);
  h.run_until([&] { return h.server().sessions().empty(); });
  CHECK(h.server().sessions().empty());
}

TEST_CASE("CmdSN outside the window is ignored; a gap is held until filled", "[iscsi][cmdsn]") {
  Harness h;
  h.run([&]() -> asio::awaitable<int> {
    auto i = co_await logged_in(h);
    // libiscsi iSCSICmdSnTooHigh: CmdSN = MaxCmdSN + 1 gets no answer at all.
    const auto tur = iscsi::scsi::cdb::test_unit_ready();
    const std::uint32_t good = i->cmd_sn;
    i->cmd_sn = i->max_cmd_sn + 1;
    Initiator::Command c{.cdb = tur.view()};
    co_await i->send_command(c, 0x900);
    auto r = co_await i->receive(500ms);
    CHECK(r.ec == std::errc::timed_out);
    // Too low (already used): ignored too.
    i->cmd_sn = good - 1;
    co_await i->send_command(c, 0x901);
    r = co_await i->receive(500ms);
    CHECK(r.ec == std::errc::timed_out);
    // The right one works.
    i->cmd_sn = good;
    CommandResult ok = co_await i->test_unit_ready();
    CHECK(ok.completed);
    CHECK(ok.status == 0);
    // good+2 arrives before good+1: held, then both run in CmdSN order.
    const std::uint32_t first = i->cmd_sn;
    i->cmd_sn = first + 1;
    co_await i->send_command(c, 0x902);
    r = co_await i->receive(300ms);
    CHECK(r.ec == std::errc::timed_out);
    i->cmd_sn = first;
    co_await i->send_command(c, 0x903);
    r = co_await i->receive();
    REQUIRE(!r.ec);
    CHECK(r.pdu.bhs.initiator_task_tag() == 0x903);
    r = co_await i->receive();
    REQUIRE(!r.ec);
    CHECK(r.pdu.bhs.initiator_task_tag() == 0x902);
    CHECK(iscsi::ScsiResponse::decode(r.pdu.bhs).exp_cmd_sn == first + 2);
    co_return 0;
  }());
}

TEST_CASE("Task management functions", "[iscsi][tmf]") {
  Harness h;
  h.run([&]() -> asio::awaitable<int> {
    auto i = co_await logged_in(h, solicited_only());
    SECTION("ABORT TASK of a write waiting for data; its late Data-Out is dropped") {
      const iscsi::R2t r2t = co_await stalled_write(*i, 0x500);
      auto r = co_await i->task_management(iscsi::TmfFunction::abort_task, 0, 0x500, i->cmd_sn - 1);
      CHECK(tmf_response(r) == iscsi::TmfResponse::function_complete);
      CHECK(h.server().connections().at(0).tasks == 0);
      iscsi::DataOut d;
      d.final = true;
      d.initiator_task_tag = 0x500;
      d.target_transfer_tag = r2t.target_transfer_tag;
      const auto data = pattern(4096, 1);
      const auto sent = co_await i->send(d.encode(), data);
      REQUIRE(!sent);
      const CommandResult ok = co_await i->test_unit_ready();
      CHECK(ok.completed);
      CHECK(i->unexpected.empty());  // no response for the aborted task, no Reject
    }
    SECTION("ABORT TASK of a task that is not there") {
      // Its CmdSN was used long ago: "task does not exist" (RFC 7143 11.5.1 c).
      auto r = co_await i->task_management(iscsi::TmfFunction::abort_task, 0, 0x4242, i->cmd_sn - 1);
      CHECK(tmf_response(r) == iscsi::TmfResponse::task_does_not_exist);
    }
    SECTION("ABORT TASK SET and CLEAR TASK SET") {
      (void)co_await stalled_write(*i, 0x600);
      (void)co_await stalled_write(*i, 0x601, 64);
      CHECK(h.server().connections().at(0).tasks == 2);
      auto r = co_await i->task_management(iscsi::TmfFunction::abort_task_set);
      CHECK(tmf_response(r) == iscsi::TmfResponse::function_complete);
      CHECK(h.server().connections().at(0).tasks == 0);
      (void)co_await stalled_write(*i, 0x602);
      r = co_await i->task_management(iscsi::TmfFunction::clear_task_set);
      CHECK(tmf_response(r) == iscsi::TmfResponse::function_complete);
      CHECK(h.server().connections().at(0).tasks == 0);
    }
    SECTION("LOGICAL UNIT RESET") {
      (void)co_await stalled_write(*i, 0x700);
      auto r = co_await i->task_management(iscsi::TmfFunction::logical_unit_reset);
      CHECK(tmf_response(r) == iscsi::TmfResponse::function_complete);
      CHECK(h.server().connections().at(0).tasks == 0);
      const auto lun9 = *iscsi::scsi::encode_lun(9);
      r = co_await i->task_management(iscsi::TmfFunction::logical_unit_reset, lun9);
      CHECK(tmf_response(r) == iscsi::TmfResponse::lun_does_not_exist);
      r = co_await i->task_management(iscsi::TmfFunction::abort_task_set, lun9);
      CHECK(tmf_response(r) == iscsi::TmfResponse::lun_does_not_exist);
    }
    SECTION("TARGET WARM RESET") {
      (void)co_await stalled_write(*i, 0x800);
      auto r = co_await i->task_management(iscsi::TmfFunction::target_warm_reset);
      CHECK(tmf_response(r) == iscsi::TmfResponse::function_complete);
      CHECK(h.server().connections().at(0).tasks == 0);
      const CommandResult ok = co_await i->test_unit_ready();
      CHECK(ok.completed);
    }
    SECTION("TASK REASSIGN needs ErrorRecoveryLevel 2") {
      auto r = co_await i->task_management(iscsi::TmfFunction::task_reassign, 0, 0x1);
      CHECK(tmf_response(r) == iscsi::TmfResponse::task_allegiance_reassignment_not_supported);
    }
    co_return 0;
  }());
}

TEST_CASE("Logout closes the session", "[iscsi][logout]") {
  Harness h;
  h.run([&]() -> asio::awaitable<int> {
    auto i = co_await logged_in(h);
    CHECK(h.server().sessions().size() == 1);
    auto r = co_await i->logout();
    REQUIRE(!r.ec);
    REQUIRE(r.pdu.bhs.opcode() == iscsi::Opcode::logout_response);
    const auto resp = iscsi::LogoutResponse::decode(r.pdu.bhs);
    CHECK(resp.response == iscsi::LogoutResponseCode::closed_successfully);
    r = co_await i->receive(2s);
    CHECK(r.ec == offload::errc::closed);
    co_return 0;
  }());
  h.run_until([&] { return h.server().sessions().empty(); });
  CHECK(h.server().sessions().empty());
}

TEST_CASE("Logout for connection recovery is refused at ErrorRecoveryLevel 0", "[iscsi][logout]") {
  Harness h;
  h.run([&]() -> asio::awaitable<int> {
    auto i = co_await logged_in(h);
    auto r = co_await i->logout(iscsi::LogoutReason::remove_connection_for_recovery, 1);
    REQUIRE(!r.ec);
    CHECK(iscsi::LogoutResponse::decode(r.pdu.bhs).response ==
          iscsi::LogoutResponseCode::connection_recovery_not_supported);
    r = co_await i->logout(iscsi::LogoutReason::close_connection, 77);
    REQUIRE(!r.ec);
    CHECK(iscsi::LogoutResponse::decode(r.pdu.bhs).response == iscsi::LogoutResponseCode::cid_not_found);
    const CommandResult ok = co_await i->test_unit_ready();
    CHECK(ok.completed);
    co_return 0;
  }());
}

TEST_CASE("Session reinstatement: the same InitiatorName and ISID replace the session", "[iscsi][reinstatement]") {
  Harness h;
  h.run([&]() -> asio::awaitable<int> {
    LoginOptions o = solicited_only();
    auto old = co_await logged_in(h, o);
    (void)co_await stalled_write(*old, 0x321);
    const std::uint16_t old_tsih = old->tsih;
    auto fresh = co_await logged_in(h, o);
    CHECK(fresh->tsih != old_tsih);
    // The old connection is closed, its waiting task aborted.
    auto r = co_await old->receive(2s);
    CHECK(r.ec == offload::errc::closed);
    const auto sessions = h.server().sessions();
    REQUIRE(sessions.size() == 1);
    CHECK(sessions[0].tsih == fresh->tsih);
    const auto data = pattern(4096, 8);
    const CommandResult w = co_await fresh->write(0, data);
    CHECK(w.completed);
    CHECK(w.status == 0);
    // Another ISID is another session, side by side.
    o.isid[5] = 0x02;
    auto other = co_await logged_in(h, o);
    CHECK(h.server().sessions().size() == 2);
    co_return 0;
  }());
}

TEST_CASE("Several connections in one session (MC/S)", "[iscsi][mcs]") {
  Harness h;
  h.run([&]() -> asio::awaitable<int> {
    auto first = co_await logged_in(h);
    REQUIRE(first->params.session.max_connections == 4);
    LoginOptions o;
    o.tsih = first->tsih;
    o.cid = 2;
    o.existing_session = first->params.session;
    auto second = std::make_unique<Initiator>(h.connect());
    second->cmd_sn = first->cmd_sn;
    const LoginResult r = co_await second->login(o);
    REQUIRE(!r.error);
    REQUIRE(r.status == iscsi::LoginStatus::success);
    CHECK(r.tsih == first->tsih);
    const auto sessions = h.server().sessions();
    REQUIRE(sessions.size() == 1);
    CHECK(sessions[0].connections.size() == 2);

    // The connections share one CmdSN space: a write on one, the read on the other.
    const auto data = pattern(8192, 4);
    second->cmd_sn = first->cmd_sn;
    const CommandResult w = co_await first->write(40, data);
    REQUIRE(w.completed);
    CHECK(w.status == 0);
    second->cmd_sn = first->cmd_sn;
    const CommandResult rd = co_await second->read(40, 16);
    REQUIRE(rd.completed);
    CHECK(mismatch_at(rd.data, data) == -1);
    first->cmd_sn = second->cmd_sn;

    // A command whose CmdSN comes first waits on connection 2 for the one on connection 1.
    const auto tur = iscsi::scsi::cdb::test_unit_ready();
    Initiator::Command c{.cdb = tur.view()};
    const std::uint32_t sn = first->cmd_sn;
    second->cmd_sn = sn + 1;
    co_await second->send_command(c, 0xa01);
    auto held = co_await second->receive(300ms);
    CHECK(held.ec == std::errc::timed_out);
    first->cmd_sn = sn;
    co_await first->send_command(c, 0xa00);
    auto r1 = co_await first->receive();
    REQUIRE(!r1.ec);
    CHECK(r1.pdu.bhs.initiator_task_tag() == 0xa00);
    auto r2 = co_await second->receive();
    REQUIRE(!r2.ec);
    CHECK(r2.pdu.bhs.initiator_task_tag() == 0xa01);
    first->cmd_sn = second->cmd_sn = sn + 2;

    // Logging out connection 2 leaves the session with connection 1.
    auto lo = co_await second->logout(iscsi::LogoutReason::close_connection, 2);
    REQUIRE(!lo.ec);
    CHECK(iscsi::LogoutResponse::decode(lo.pdu.bhs).response == iscsi::LogoutResponseCode::closed_successfully);
    h.run_until([&] { return h.server().sessions().at(0).connections.size() == 1; }, 2s);
    CHECK(h.server().sessions().at(0).connections.size() == 1);
    first->cmd_sn = second->cmd_sn;
    const CommandResult ok = co_await first->test_unit_ready();
    CHECK(ok.completed);
    co_return 0;
  }());
}

TEST_CASE("A connection cannot join a session it does not belong to", "[iscsi][mcs]") {
  Harness h;
  h.run([&]() -> asio::awaitable<int> {
    auto first = co_await logged_in(h);
    LoginOptions o;
    o.tsih = first->tsih;
    o.cid = 2;
    o.isid[5] = 0x09;  // another ISID
    o.existing_session = first->params.session;
    Initiator second(h.connect());
    const LoginResult r = co_await second.login(o);
    CHECK(r.status == iscsi::LoginStatus::session_does_not_exist);
    co_return 0;
  }());
}

TEST_CASE("SendTargets in a discovery session lists the allowed targets and their portals", "[iscsi][discovery]") {
  Config c = make_config();
  c.targets.push_back(make_target("iqn.2024-01.org.uiscsi:second"));
  c.targets.back().portal_groups.push_back({7, {{"::1", 0, offload::Policy::tcp}}});
  c.targets.push_back(make_target("iqn.2024-01.org.uiscsi:hidden"));
  c.targets.back().allowed_initiators = {"iqn.2024-01.org.uiscsi:someone-else"};
  // Enough targets that the answer needs several Text Responses of 512 bytes.
  for (int n = 0; n < 10; ++n) c.targets.push_back(make_target("iqn.2024-01.org.uiscsi:extra-" + std::to_string(n)));
  Harness h(c);
  h.run([&]() -> asio::awaitable<int> {
    LoginOptions o;
    o.type = iscsi::SessionType::discovery;
    o.settings.max_recv_data_segment_length = 512;  // forces a Text Response in parts
    auto i = co_await logged_in(h, o);
    const iscsi::TextPairs request1 = {{"SendTargets", "All"}};
    const iscsi::TextPairs all = co_await i->text(request1);
    CHECK(i->text_responses > 1);
    std::vector<std::string> names, addresses;
    for (const auto& p : all) {
      if (p.key == "TargetName") names.push_back(p.value);
      if (p.key == "TargetAddress") addresses.push_back(p.value);
    }
    REQUIRE(names.size() == 12);  // all but the hidden one, in name order
    CHECK(names[0] == "iqn.2024-01.org.uiscsi:disk");
    CHECK(names[11] == "iqn.2024-01.org.uiscsi:second");
    CHECK(std::find(names.begin(), names.end(), "iqn.2024-01.org.uiscsi:hidden") == names.end());
    const std::string port = std::to_string(h.portal().port());
    REQUIRE(addresses.size() == 13);
    CHECK(addresses[0] == "127.0.0.1:" + port + ",1");
    CHECK(addresses[11] == "127.0.0.1:" + port + ",1");
    std::uint16_t v6_port = 0;
    for (const auto& a : h.server().listening()) {
      if (a.family() == AF_INET6) v6_port = a.port();
    }
    CHECK(addresses[12] == "[::1]:" + std::to_string(v6_port) + ",7");
    const iscsi::TextPairs request2 = {{"SendTargets", "iqn.2024-01.org.uiscsi:second"}};
    const iscsi::TextPairs one = co_await i->text(request2);
    REQUIRE(!one.empty());
    CHECK(one[0].value == "iqn.2024-01.org.uiscsi:second");
    const iscsi::TextPairs request3 = {{"SendTargets", "iqn.2024-01.org.uiscsi:hidden"}};
    const iscsi::TextPairs hidden = co_await i->text(request3);
    CHECK(hidden.empty());
    // A discovery session has no SCSI.
    const CommandResult tur = co_await i->test_unit_ready();
    REQUIRE(tur.reject);
    CHECK(tur.reject->reason == iscsi::RejectReason::protocol_error);
    co_return 0;
  }());
}

TEST_CASE("SendTargets in a normal session names only its own target", "[iscsi][discovery]") {
  Config c = make_config();
  c.targets.push_back(make_target("iqn.2024-01.org.uiscsi:second"));
  Harness h(c);
  h.run([&]() -> asio::awaitable<int> {
    auto i = co_await logged_in(h);
    const iscsi::TextPairs request4 = {{"SendTargets", ""}};
    const iscsi::TextPairs own = co_await i->text(request4, false);
    REQUIRE(own.size() == 2);
    CHECK(own[0].value == kTargetName);
    const iscsi::TextPairs request5 = {{"SendTargets", "All"}};
    const iscsi::TextPairs all = co_await i->text(request5);
    REQUIRE(all.size() == 2);
    CHECK(all[0].value == kTargetName);
    co_return 0;
  }());
}
