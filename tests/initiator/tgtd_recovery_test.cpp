// Integration with tgt: a target that dies. Restarted within replacement_timeout, the I/O
// in flight and the I/O submitted meanwhile is held and completes with the right data;
// past the timeout it fails cleanly with session_failed (EIO), and so does new I/O.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>

#include "helpers.h"
#include "initiator/block_device.h"
#include "initiator/error.h"
#include "initiator/session.h"
#include "interop.h"
#include "sha256.h"
#include "tgtd.h"

namespace uiscsi::initiator {
namespace {

using test::run;
using test::Tgtd;
namespace asio = boost::asio;
using std::chrono::milliseconds;

constexpr std::size_t kMiB = 1u << 20;

SessionConfig config_for(const Tgtd& tgtd, milliseconds replacement) {
  SessionConfig c;
  c.initiator_name = "iqn.2024-01.org.uiscsi:initiator-test";
  c.target_name = tgtd.target_name();
  c.portal = {tgtd.address(), tgtd.port()};
  c.timeouts.replacement = replacement;
  c.timeouts.reconnect_delay = milliseconds{50};
  c.timeouts.reconnect_delay_max = milliseconds{200};
  c.timeouts.login = milliseconds{2000};
  return c;
}

// Background requests whose completion the test observes while it runs the io_context.
struct Requests {
  std::size_t started = 0;
  std::size_t finished = 0;
  std::vector<std::error_code> errors;

  void spawn(asio::io_context& io, asio::awaitable<std::error_code> request) {
    ++started;
    asio::co_spawn(io, std::move(request), [this](std::exception_ptr e, std::error_code ec) {
      if (e) std::rethrow_exception(e);
      errors.push_back(ec);
      ++finished;
    });
  }
  void run_until_done(asio::io_context& io, milliseconds limit) {
    io.restart();
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (finished < started && std::chrono::steady_clock::now() < deadline) io.run_one_for(milliseconds{50});
  }
};

void run_for(asio::io_context& io, milliseconds d) {
  io.restart();
  io.run_for(d);
}

}  // namespace

TEST_CASE("tgtd: killed and restarted within replacement_timeout, I/O is held and then completes",
          "[.integration][recovery]") {
  SKIP_WITHOUT_TGTD();
  test::TgtdOptions options;
  options.lun_size = 16 * kMiB;
  Tgtd tgtd(options);
  asio::io_context io;
  SessionOpen o = run(io, Session::open(io, config_for(tgtd, milliseconds{30000}),
                                        test::tested_connector(io)));
  INFO(o.error);
  REQUIRE(o.session);
  BlockDeviceOpen d = run(io, BlockDevice::open(*o.session, 1));
  REQUIRE(d.device);
  BlockDevice& device = *d.device;

  const std::vector<std::byte> a = test::random_bytes(4 * kMiB, 11);
  const std::vector<std::byte> b = test::random_bytes(4 * kMiB, 12);
  const iovec a_io{const_cast<std::byte*>(a.data()), a.size()};
  REQUIRE_FALSE(run(io, device.write(0, {&a_io, 1})));

  // Writes of B to [4, 8) MiB and reads of A, in flight when the target dies.
  Requests requests;
  std::vector<std::byte> back(4 * kMiB);
  std::vector<iovec> read_io, write_io;
  for (std::size_t i = 0; i < 8; ++i) {
    write_io.push_back({const_cast<std::byte*>(b.data()) + i * 512 * 1024, 512 * 1024});
    read_io.push_back({back.data() + i * 512 * 1024, 512 * 1024});
  }
  for (std::size_t i = 0; i < 8; ++i) {
    requests.spawn(io, device.write(4 * kMiB + i * 512 * 1024, {&write_io[i], 1}));
    requests.spawn(io, device.read(i * 512 * 1024, {&read_io[i], 1}));
  }
  run_for(io, milliseconds{5});
  tgtd.kill();
  run_for(io, milliseconds{700});
  CHECK(o.session->state() == SessionState::recovering);
  const std::size_t done_while_down = requests.finished;
  INFO("finished before the restart: " << done_while_down << " of " << requests.started);
  // More I/O submitted while the target is down is held as well.
  std::vector<std::byte> back2(kMiB);
  const iovec back2_io{back2.data(), back2.size()};
  requests.spawn(io, device.read(kMiB, {&back2_io, 1}));
  run_for(io, milliseconds{300});
  CHECK(requests.finished == done_while_down);  // nothing failed while held

  tgtd.restart();
  requests.run_until_done(io, milliseconds{30000});
  REQUIRE(requests.finished == requests.started);
  for (const std::error_code& ec : requests.errors) CHECK_FALSE(ec);
  CHECK(o.session->state() == SessionState::logged_in);
  const SessionInfo info = o.session->info();
  CHECK(info.recovery.connection_failures >= 1);
  CHECK(info.recovery.reinstatements >= 1);

  CHECK(test::sha256(back) == test::sha256(a));
  CHECK(test::sha256(back2) == test::sha256(std::span(a).subspan(kMiB, kMiB)));
  std::vector<std::byte> written(4 * kMiB);
  const iovec written_io{written.data(), written.size()};
  REQUIRE_FALSE(run(io, device.read(4 * kMiB, {&written_io, 1})));
  CHECK(test::sha256(written) == test::sha256(b));
  CHECK_FALSE(run(io, o.session->logout()));
  test::drain(io);
}

TEST_CASE("tgtd: past replacement_timeout, held and new I/O fail with session_failed", "[.integration][recovery]") {
  SKIP_WITHOUT_TGTD();
  test::TgtdOptions options;
  options.lun_size = 4 * kMiB;
  Tgtd tgtd(options);
  asio::io_context io;
  SessionOpen o = run(io, Session::open(io, config_for(tgtd, milliseconds{1500}),
                                        test::tested_connector(io)));
  REQUIRE(o.session);
  BlockDeviceOpen d = run(io, BlockDevice::open(*o.session, 1));
  REQUIRE(d.device);
  std::vector<std::byte> buffer(64 * 1024);
  const iovec iov{buffer.data(), buffer.size()};
  REQUIRE_FALSE(run(io, d.device->read(0, {&iov, 1})));

  tgtd.kill();
  const auto start = std::chrono::steady_clock::now();
  const std::error_code held = run(io, d.device->read(0, {&iov, 1}));
  const auto waited = std::chrono::steady_clock::now() - start;
  CHECK(held == errc::session_failed);
  CHECK(held == std::errc::io_error);
  CHECK(waited >= milliseconds{1000});
  CHECK(waited < milliseconds{8000});
  CHECK(o.session->state() == SessionState::failed);
  CHECK_FALSE(o.session->info().last_error.empty());

  // New I/O fails at once.
  const auto again = std::chrono::steady_clock::now();
  CHECK(run(io, d.device->write(0, {&iov, 1})) == errc::session_failed);
  CHECK(std::chrono::steady_clock::now() - again < milliseconds{500});
  o.session->close();
  test::drain(io);
}

}  // namespace uiscsi::initiator
