// Error escalation and session recovery against the fake target, with faults injected in
// the loopback transport: a lost command, a lost answer, a lost Data-In, task management
// that is ignored, a dead NOP, a closed connection within and past replacement_timeout.
#include <catch2/catch.hpp>

#include "fake_session.h"
#include "initiator/error.h"
#include "initiator/scsi_retry.h"

namespace uiscsi::initiator {
namespace {

using test::Background;
using test::FakeTarget;
using test::FakeTargetConfig;
namespace asio = boost::asio;
using std::chrono::milliseconds;

SessionConfig quick(const FakeTarget& target) {
  SessionConfig c = test::fake_config(target);
  c.timeouts.command = milliseconds{250};
  c.timeouts.task_management = milliseconds{250};
  return c;
}

struct Fixture {
  explicit Fixture(FakeTargetConfig tc = {}, std::function<void(SessionConfig&)> tune = {})
      : target(io, std::move(tc)) {
    SessionConfig config = quick(target);
    if (tune) tune(config);
    SessionOpen o = test::open_fake(io, target, config);
    INFO(o.error);
    REQUIRE(o.session);
    session = std::move(o.session);
    data = test::random_bytes(64 * 1024, 21);
    std::copy(data.begin(), data.end(), target.disk().data().begin());
    back.resize(data.size());
    back_io = {back.data(), back.size()};
  }
  ~Fixture() {
    session->close();
    test::drain(io);
  }
  Command read_all() { return test::read_command(0, {&back_io, 1}, static_cast<std::uint32_t>(back.size())); }

  asio::io_context io;
  FakeTarget target;
  std::unique_ptr<Session> session;
  std::vector<std::byte> data, back;
  iovec back_io{};
};

}  // namespace

TEST_CASE("recovery: a lost SCSI Command is aborted, its CmdSN hole plugged, and it is sent again",
          "[recovery]") {
  Fixture f;
  f.target.target_faults().drop_next_pdu();
  Background bg;
  bg.execute(f.io, *f.session, f.read_all());
  // Queued behind the hole at the target: runs once the ABORT TASK has plugged it.
  std::vector<std::byte> other(512);
  const iovec other_io{other.data(), other.size()};
  bg.execute(f.io, *f.session, test::read_command(0, {&other_io, 1}, 512));
  bg.wait(f.io);
  REQUIRE(bg.finished == 2);
  for (const CommandResult& r : bg.results) CHECK_FALSE(r.ec);
  CHECK((f.back == f.data));
  CHECK(f.target.stats().holes_plugged == 1);
  const RecoveryStats& s = f.session->info().recovery;
  CHECK(s.command_timeouts >= 1);
  CHECK(s.aborts >= 1);
  CHECK(s.retried_commands >= 1);
  CHECK(s.connection_failures == 0);
}

TEST_CASE("recovery: a lost SCSI Response is aborted (task does not exist) and sent again", "[recovery]") {
  Fixture f;
  std::vector<std::byte> block(512, std::byte{0x77});
  const iovec io{block.data(), block.size()};
  // The write's answer is the next PDU the initiator receives.
  f.target.initiator_faults().drop_next_pdu();
  const CommandResult r = test::run(f.io, f.session->execute(test::write_command(40, {&io, 1}, 512)));
  CHECK_FALSE(r.ec);
  CHECK(f.target.disk().data()[40 * 512] == std::byte{0x77});
  CHECK(f.session->info().recovery.aborts == 1);
  CHECK(f.target.stats().commands == 2);  // executed twice: a write is idempotent
}

TEST_CASE("recovery: a lost Data-In is noticed from the DataSN and the read is sent again", "[recovery]") {
  Fixture f({}, [](SessionConfig& c) { c.negotiation.max_recv_data_segment_length = 8192; });
  offload::testing::FaultInjector& faults = f.target.initiator_faults();
  faults.faults.drop_pdu = faults.pdus_seen() + 3;  // the third of eight Data-In PDUs
  const CommandResult r = test::run(f.io, f.session->execute(f.read_all()));
  CHECK_FALSE(r.ec);
  CHECK((f.back == f.data));
  CHECK(faults.pdus_dropped() == 1);
  CHECK(f.session->info().recovery.retried_commands == 1);
  CHECK(f.session->info().recovery.command_timeouts == 0);
}

TEST_CASE("recovery: ABORT TASK unanswered, then LOGICAL UNIT RESET", "[recovery]") {
  FakeTargetConfig tc;
  tc.answer_abort_task = false;
  tc.swallow_answers = 1;  // the target sits on the command until the reset ends it
  Fixture f(tc);
  // After the reset the target reports a UNIT ATTENTION once: retried by the SCSI layer.
  const CommandResult r = test::run(f.io, execute_with_retries(*f.session, f.read_all()));
  CHECK_FALSE(r.ec);
  CHECK((f.back == f.data));
  CHECK(f.target.stats().aborts == 1);
  CHECK(f.target.stats().lun_resets == 1);
  CHECK(f.session->info().recovery.lun_resets == 1);
  CHECK(f.session->info().recovery.connection_failures == 0);
}

TEST_CASE("recovery: a lost command that task management cannot end needs a new session", "[recovery]") {
  FakeTargetConfig tc;
  tc.answer_abort_task = false;
  Fixture f(tc);
  // The LOGICAL UNIT RESET succeeds, but the target still waits for the lost CmdSN: the
  // command, sent again, times out again, and the next step is a new session.
  f.target.target_faults().drop_next_pdu();
  const CommandResult r = test::run(f.io, execute_with_retries(*f.session, f.read_all()));
  CHECK_FALSE(r.ec);
  CHECK((f.back == f.data));
  const RecoveryStats& s = f.session->info().recovery;
  CHECK(s.command_timeouts == 2);
  CHECK(s.lun_resets == 1);
  CHECK(s.connection_failures == 1);
  CHECK(s.reinstatements == 1);
}

TEST_CASE("recovery: task management unanswered, then a new connection", "[recovery]") {
  FakeTargetConfig tc;
  tc.answer_abort_task = false;
  tc.answer_lun_reset = false;
  Fixture f(tc);
  f.target.target_faults().drop_next_pdu();
  const CommandResult r = test::run(f.io, f.session->execute(f.read_all()));
  CHECK_FALSE(r.ec);
  CHECK((f.back == f.data));
  const RecoveryStats& s = f.session->info().recovery;
  CHECK(s.connection_failures == 1);
  CHECK(s.reinstatements == 1);
  CHECK(f.target.stats().logins == 2);
  // Session reinstatement: the same ISID, and a new TSIH from the target.
  CHECK(f.session->info().isid == f.target.stats().last_isid);
  CHECK(f.session->info().tsih == f.target.stats().last_tsih);
}

TEST_CASE("recovery: retries end in command_timeout when the target never answers", "[recovery]") {
  FakeTargetConfig tc;
  tc.hold_responses = true;  // executed, answered never; ABORT TASK finds nothing to abort
  Fixture f(tc, [](SessionConfig& c) { c.timeouts.command_retries = 1; });
  const CommandResult r = test::run(f.io, f.session->execute(f.read_all()));
  CHECK(r.ec == errc::command_timeout);
  CHECK(r.ec == std::errc::timed_out);
  // First timeout: ABORT TASK, sent again; second: LOGICAL UNIT RESET, and no retry left.
  CHECK(f.session->info().recovery.aborts == 1);
  CHECK(f.session->info().recovery.lun_resets == 1);
  CHECK(f.session->state() == SessionState::logged_in);
}

TEST_CASE("recovery: an unanswered NOP-Out ends the connection", "[recovery][nop]") {
  Fixture f({}, [](SessionConfig& c) {
    c.timeouts.nop_interval = milliseconds{30};
    c.timeouts.nop_timeout = milliseconds{200};
  });
  f.target.target_faults().drop_next_pdu();  // the first ping
  test::run_until(f.io, [&] {
    return f.session->info().recovery.reinstatements == 1 && f.session->state() == SessionState::logged_in;
  });
  const RecoveryStats& s = f.session->info().recovery;
  CHECK(s.nop_timeouts == 1);
  CHECK(s.reinstatements == 1);
  CHECK(f.session->state() == SessionState::logged_in);
  CHECK(f.session->info().last_error.find("NOP-In") != std::string::npos);
}

TEST_CASE("recovery: a closed connection holds I/O until the session is reinstated", "[recovery]") {
  Fixture f({}, [](SessionConfig& c) { c.timeouts.replacement = milliseconds{5000}; });
  f.target.refuse_connections(true);
  f.target.drop_connection();
  Background bg;
  for (int i = 0; i < 4; ++i) bg.execute(f.io, *f.session, f.read_all());
  test::run_for(f.io, milliseconds{200});
  CHECK(f.session->state() == SessionState::recovering);
  CHECK(bg.finished == 0);  // held, not failed
  f.target.refuse_connections(false);
  bg.wait(f.io);
  REQUIRE(bg.finished == 4);
  for (const CommandResult& r : bg.results) CHECK_FALSE(r.ec);
  CHECK((f.back == f.data));
  CHECK(f.session->state() == SessionState::logged_in);
  CHECK(f.session->info().recovery.reinstatements == 1);
}

TEST_CASE("recovery: past replacement_timeout held and new I/O fail with session_failed", "[recovery]") {
  Fixture f({}, [](SessionConfig& c) { c.timeouts.replacement = milliseconds{200}; });
  f.target.refuse_connections(true);
  f.target.drop_connection();
  Background bg;
  bg.execute(f.io, *f.session, f.read_all());
  const auto start = std::chrono::steady_clock::now();
  bg.wait(f.io);
  REQUIRE(bg.finished == 1);
  CHECK(bg.results[0].ec == errc::session_failed);
  CHECK(bg.results[0].ec == std::errc::io_error);
  CHECK(std::chrono::steady_clock::now() - start >= milliseconds{150});
  CHECK(f.session->state() == SessionState::failed);
  CHECK(f.session->info().last_error.find("replacement timeout") != std::string::npos);
  // Later commands fail at once, even if the target is back.
  f.target.refuse_connections(false);
  CHECK(test::run(f.io, f.session->execute(f.read_all())).ec == errc::session_failed);
  CHECK(f.target.stats().logins == 1);
}

}  // namespace uiscsi::initiator
