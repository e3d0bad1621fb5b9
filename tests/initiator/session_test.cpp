// The session in Full Feature Phase against the fake target: the CmdSN window, immediate
// and unsolicited data, R2T-driven Data-Out, Data-In placement, status and sense,
// residuals, NOP-In / NOP-Out both ways, Async Messages, logout and close.
#include <catch2/catch.hpp>
#include <numeric>

#include "fake_session.h"
#include "initiator/error.h"
#include "iscsi/sense_codes.h"
#include "iscsi/serial.h"

namespace uiscsi::initiator {
namespace {

using test::Background;
using test::FakeTarget;
using test::FakeTargetConfig;
namespace asio = boost::asio;
using std::chrono::milliseconds;

std::vector<std::byte> disk_bytes(FakeTarget& target, std::size_t offset, std::size_t length) {
  return {target.disk().data().begin() + static_cast<std::ptrdiff_t>(offset),
          target.disk().data().begin() + static_cast<std::ptrdiff_t>(offset + length)};
}

}  // namespace

TEST_CASE("session: commands beyond MaxCmdSN wait until the window opens", "[session][window]") {
  asio::io_context io;
  FakeTargetConfig tc;
  tc.window = 2;
  tc.hold_responses = true;
  FakeTarget target(io, tc);
  SessionOpen o = test::open_fake(io, target, test::fake_config(target));
  REQUIRE(o.session);
  std::vector<std::vector<std::byte>> buffers(8, std::vector<std::byte>(4096));
  std::vector<iovec> iov;
  for (auto& b : buffers) iov.push_back({b.data(), b.size()});
  std::vector<Command> commands;
  for (std::size_t i = 0; i < buffers.size(); ++i) {
    commands.push_back(test::read_command(static_cast<std::uint32_t>(8 * i), {&iov[i], 1}, 4096));
  }
  Background bg;
  for (const Command& c : commands) bg.execute(io, *o.session, c);
  test::run_until(io, [&] { return target.stats().max_outstanding >= 2; });
  test::run_for(io, milliseconds{50});  // time for a third command to (wrongly) go out
  // Two sent, both held by the target: the window (ExpCmdSN..MaxCmdSN) is full.
  CHECK(bg.finished == 0);
  CHECK(target.stats().max_outstanding == 2);
  CHECK(o.session->info().outstanding_tasks == 2);
  const SessionInfo held = o.session->info();
  CHECK(iscsi::serial_gt(held.cmd_sn, held.max_cmd_sn));  // the next CmdSN is beyond MaxCmdSN

  target.release_responses();
  bg.wait(io);
  REQUIRE(bg.finished == 8);
  for (const CommandResult& r : bg.results) CHECK_FALSE(r.ec);
  CHECK(target.stats().window_violations == 0);
  CHECK(target.stats().max_outstanding == 2);
  CHECK(target.stats().protocol_errors == 0);
  o.session->close();
  test::drain(io);
}

TEST_CASE("session: writes use immediate data, unsolicited Data-Out and R2Ts within the negotiated limits",
          "[session][write]") {
  const bool initial_r2t = GENERATE(false, true);
  const bool immediate_data = GENERATE(false, true);
  const std::uint32_t max_outstanding_r2t = GENERATE(1u, 3u);
  INFO("InitialR2T=" << initial_r2t << " ImmediateData=" << immediate_data << " MaxOutstandingR2T="
                     << max_outstanding_r2t);
  asio::io_context io;
  FakeTargetConfig tc;
  tc.local.max_recv_data_segment_length = 4096;
  tc.local.max_burst_length = 16384;
  tc.local.first_burst_length = 12288;
  tc.local.initial_r2t = initial_r2t;
  tc.local.immediate_data = immediate_data;
  tc.local.max_outstanding_r2t = max_outstanding_r2t;
  FakeTarget target(io, tc);
  SessionConfig config = test::fake_config(target);
  config.negotiation.initial_r2t = initial_r2t;
  config.negotiation.immediate_data = immediate_data;
  SessionOpen o = test::open_fake(io, target, config);
  REQUIRE(o.session);

  constexpr std::uint32_t kLength = 100 * 1024;
  const std::vector<std::byte> data = test::random_bytes(kLength, 3);
  // Three iovecs cut off the segment boundaries.
  const iovec iov[3] = {{const_cast<std::byte*>(data.data()), 1000},
                        {const_cast<std::byte*>(data.data()) + 1000, 50000},
                        {const_cast<std::byte*>(data.data()) + 51000, kLength - 51000}};
  const CommandResult r = test::run(io, o.session->execute(test::write_command(16, iov, kLength)));
  REQUIRE_FALSE(r.ec);
  CHECK(disk_bytes(target, 16 * 512, kLength) == data);

  const test::FakeTargetStats& s = target.stats();
  const std::uint32_t immediate = immediate_data ? 4096 : 0;  // min(FirstBurstLength, MaxRecvDataSegmentLength)
  const std::uint32_t unsolicited = initial_r2t ? immediate : 12288;
  CHECK(s.immediate_bytes == immediate);
  CHECK(s.unsolicited_bytes == unsolicited - immediate);
  CHECK(s.solicited_bytes == kLength - unsolicited);
  CHECK(s.largest_data_out <= 4096);   // the target's MaxRecvDataSegmentLength
  CHECK(s.largest_burst <= 16384);     // MaxBurstLength
  CHECK(s.r2ts == (kLength - unsolicited + 16383) / 16384);
  CHECK(s.protocol_errors == 0);
  o.session->close();
  test::drain(io);
}

TEST_CASE("session: Data-In lands in the caller's buffers", "[session][read]") {
  const bool phase_collapse = GENERATE(true, false);
  asio::io_context io;
  FakeTargetConfig tc;
  tc.phase_collapse = phase_collapse;
  FakeTarget target(io, tc);
  SessionConfig config = test::fake_config(target);
  config.negotiation.max_recv_data_segment_length = 8192;  // several Data-In PDUs
  SessionOpen o = test::open_fake(io, target, config);
  REQUIRE(o.session);
  const std::vector<std::byte> data = test::random_bytes(64 * 1024, 9);
  std::copy(data.begin(), data.end(), target.disk().data().begin() + 4096);

  std::vector<std::byte> back(64 * 1024);
  const iovec iov[3] = {{back.data(), 3}, {back.data() + 3, 40000}, {back.data() + 40003, back.size() - 40003}};
  const offload::Counters before = o.session->info().counters;
  const CommandResult r = test::run(io, o.session->execute(test::read_command(8, iov, 64 * 1024)));
  REQUIRE_FALSE(r.ec);
  CHECK(r.has_status);
  CHECK(r.status == 0);
  CHECK(r.data_in_bytes == 64 * 1024);
  CHECK_FALSE(r.residual_underflow);
  CHECK(back == data);
  const offload::Counters after = o.session->info().counters;
  // Every Data-In byte went into the registered buffers, none through an owned buffer.
  CHECK(after.bytes_copied + after.bytes_placed - before.bytes_copied - before.bytes_placed == 64 * 1024);
  CHECK(after.placement_misses == before.placement_misses);
  CHECK(target.stats().data_in_pdus == 8);
  CHECK(target.stats().separate_responses == (phase_collapse ? 0u : 1u));
  o.session->close();
  test::drain(io);
}

TEST_CASE("session: CHECK CONDITION comes back as its sense code", "[session]") {
  asio::io_context io;
  FakeTarget target(io, {});
  SessionOpen o = test::open_fake(io, target, test::fake_config(target));
  REQUIRE(o.session);
  std::vector<std::byte> buffer(4096);
  const iovec iov{buffer.data(), buffer.size()};
  // 8192 blocks on the fake disk: this read runs off the end.
  const CommandResult r = test::run(io, o.session->execute(test::read_command(8190, {&iov, 1}, 4096)));
  CHECK(r.has_status);
  CHECK(r.status == 0x02);
  const auto code = iscsi::scsi::to_sense_code(r.ec);
  REQUIRE(code);
  CHECK(code->key == iscsi::scsi::SenseKey::illegal_request);
  CHECK(code->additional == iscsi::scsi::asc::lba_out_of_range);
  CHECK(r.sense.size() >= 14);
  o.session->close();
  test::drain(io);
}

TEST_CASE("session: a short answer is reported as a residual underflow", "[session]") {
  asio::io_context io;
  FakeTarget target(io, {});
  SessionOpen o = test::open_fake(io, target, test::fake_config(target));
  REQUIRE(o.session);
  std::vector<std::byte> buffer(255);
  const iovec iov{buffer.data(), buffer.size()};
  Command inquiry;
  inquiry.lun = *iscsi::scsi::encode_lun(1);
  inquiry.cdb = iscsi::scsi::cdb::inquiry(255);
  inquiry.direction = DataDirection::read;
  inquiry.buffers = {&iov, 1};
  inquiry.transfer_length = 255;
  const CommandResult r = test::run(io, o.session->execute(inquiry));
  REQUIRE_FALSE(r.ec);
  CHECK(r.residual_underflow);
  CHECK(r.data_in_bytes + r.residual_count == 255);
  CHECK(r.data_in_bytes >= 36);

  // Buffers smaller than the transfer length are refused before anything is sent.
  inquiry.transfer_length = 256;
  CHECK(test::run(io, o.session->execute(inquiry)).ec == errc::buffer_too_small);
  o.session->close();
  test::drain(io);
}

TEST_CASE("session: NOP-In pings are answered, and an idle target is pinged", "[session][nop]") {
  asio::io_context io;
  FakeTarget target(io, {});
  SessionConfig config = test::fake_config(target);
  config.timeouts.nop_interval = milliseconds{40};
  config.timeouts.nop_timeout = milliseconds{500};
  SessionOpen o = test::open_fake(io, target, config);
  REQUIRE(o.session);
  target.ping_initiator();
  test::run_until(io, [&] { return target.stats().nop_outs_for_us == 1 && target.stats().pings_answered >= 2; });
  CHECK(target.stats().nop_outs_for_us == 1);
  CHECK(target.stats().pings_answered >= 2);
  CHECK(o.session->state() == SessionState::logged_in);
  CHECK(o.session->info().recovery.nop_timeouts == 0);
  o.session->close();
  test::drain(io);
}

TEST_CASE("session: an Async Message asking for a logout is followed by a new login", "[session][async]") {
  asio::io_context io;
  FakeTarget target(io, {});
  SessionOpen o = test::open_fake(io, target, test::fake_config(target));
  REQUIRE(o.session);
  target.send_async(iscsi::AsyncEvent::logout_request, 0, 0, /*seconds=*/1);
  test::run_until(io, [&] { return target.stats().logins == 2 && o.session->state() == SessionState::logged_in; });
  CHECK(target.stats().logouts == 1);
  CHECK(target.stats().logins == 2);
  CHECK(o.session->state() == SessionState::logged_in);
  CHECK(o.session->info().recovery.reinstatements == 1);
  std::vector<std::byte> buffer(512);
  const iovec iov{buffer.data(), buffer.size()};
  CHECK_FALSE(test::run(io, o.session->execute(test::read_command(0, {&iov, 1}, 512))).ec);
  o.session->close();
  test::drain(io);
}

TEST_CASE("session: an Async Message dropping the connection leads to a new one", "[session][async]") {
  asio::io_context io;
  FakeTarget target(io, {});
  SessionOpen o = test::open_fake(io, target, test::fake_config(target));
  REQUIRE(o.session);
  target.send_async(iscsi::AsyncEvent::connection_drop, 0, /*Time2Wait=*/0, 0);
  test::run_until(io, [&] { return target.stats().logins == 2 && o.session->state() == SessionState::logged_in; });
  CHECK(target.stats().logins == 2);
  CHECK(o.session->state() == SessionState::logged_in);
  o.session->close();
  test::drain(io);
}

TEST_CASE("session: logout waits for the outstanding commands", "[session]") {
  asio::io_context io;
  FakeTargetConfig tc;
  tc.hold_responses = true;
  FakeTarget target(io, tc);
  SessionOpen o = test::open_fake(io, target, test::fake_config(target));
  REQUIRE(o.session);
  std::vector<std::byte> buffer(512);
  const iovec iov{buffer.data(), buffer.size()};
  const Command read = test::read_command(0, {&iov, 1}, 512);
  Background bg;
  bg.execute(io, *o.session, read);
  std::optional<std::error_code> logged_out;
  asio::co_spawn(io, o.session->logout(), [&](std::exception_ptr, std::error_code ec) { logged_out = ec; });
  test::run_until(io, [&] { return o.session->state() == SessionState::draining; });
  test::run_for(io, milliseconds{50});
  CHECK(o.session->state() == SessionState::draining);
  CHECK_FALSE(logged_out);
  CHECK(target.stats().logouts == 0);
  // A command submitted while draining is not sent; it fails once the session is closed.
  bg.execute(io, *o.session, read);
  target.release_responses();
  bg.wait(io);
  REQUIRE(bg.finished == 2);
  CHECK_FALSE(bg.results[0].ec);
  CHECK(bg.results[1].ec == errc::session_closed);
  REQUIRE(logged_out);
  CHECK_FALSE(*logged_out);
  CHECK(target.stats().logouts == 1);
  CHECK(target.stats().commands == 1);
  CHECK(o.session->state() == SessionState::closed);
  test::drain(io);
}

TEST_CASE("session: close() ends every waiting command", "[session]") {
  asio::io_context io;
  FakeTargetConfig tc;
  tc.hold_responses = true;
  FakeTarget target(io, tc);
  SessionOpen o = test::open_fake(io, target, test::fake_config(target));
  REQUIRE(o.session);
  std::vector<std::byte> buffer(512);
  const iovec iov{buffer.data(), buffer.size()};
  Background bg;
  for (int i = 0; i < 4; ++i) bg.execute(io, *o.session, test::read_command(0, {&iov, 1}, 512));
  test::run_until(io, [&] { return target.stats().commands == 4; });
  o.session->close();
  bg.wait(io);
  REQUIRE(bg.finished == 4);
  for (const CommandResult& r : bg.results) CHECK(r.ec == errc::session_closed);
  CHECK(test::run(io, o.session->execute(test::read_command(0, {&iov, 1}, 512))).ec == errc::session_closed);
  test::drain(io);
}

}  // namespace uiscsi::initiator
