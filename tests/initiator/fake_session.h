// Test set-up shared by the unit tests that run a Session against a FakeTarget.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <deque>
#include <memory>

#include "fake_target.h"
#include "helpers.h"
#include "initiator/session.h"

namespace uiscsi::initiator::test {

inline SessionConfig fake_config(const FakeTarget& target) {
  SessionConfig c;
  c.initiator_name = "iqn.2024-01.org.uiscsi:unit-test";
  c.target_name = const_cast<FakeTarget&>(target).config().target_name;
  c.portal = {"127.0.0.1", 3260};
  c.timeouts.login = std::chrono::milliseconds{2000};
  c.timeouts.nop_interval = std::chrono::milliseconds{0};  // tests that want pings turn them on
  c.timeouts.reconnect_delay = std::chrono::milliseconds{10};
  c.timeouts.reconnect_delay_max = std::chrono::milliseconds{50};
  return c;
}

inline SessionOpen open_fake(asio::io_context& io, FakeTarget& target, const SessionConfig& config) {
  return run(io, Session::open(io, config, target.connector()));
}

// Runs the io_context for `d` (background work: held commands, reconnection, pings).
inline void run_for(asio::io_context& io, std::chrono::milliseconds d) {
  io.restart();
  io.run_for(d);
}

// Runs the io_context until `done()` holds, or `limit` has passed (the test's checks then
// fail). Waiting for the event instead of a fixed time keeps tests steady on a busy machine.
template <typename Predicate>
void run_until(asio::io_context& io, Predicate done, std::chrono::milliseconds limit = std::chrono::milliseconds{10000}) {
  io.restart();
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) io.run_one_for(std::chrono::milliseconds{10});
}

}  // namespace uiscsi::initiator::test

#include "initiator/command.h"
#include "iscsi/scsi_cdb_build.h"
#include "iscsi/scsi_lun.h"

namespace uiscsi::initiator::test {

// READ (10) / WRITE (10) of `length` bytes at block `lba` of the fake disk's LUN 1.
inline Command read_command(std::uint32_t lba, std::span<const iovec> buffers, std::uint32_t length) {
  Command c;
  c.lun = *iscsi::scsi::encode_lun(1);
  c.cdb = iscsi::scsi::cdb::read_10(lba, static_cast<std::uint16_t>(length / 512));
  c.direction = DataDirection::read;
  c.buffers = buffers;
  c.transfer_length = length;
  return c;
}

inline Command write_command(std::uint32_t lba, std::span<const iovec> buffers, std::uint32_t length) {
  Command c = read_command(lba, buffers, length);
  c.cdb = iscsi::scsi::cdb::write_10(lba, static_cast<std::uint16_t>(length / 512));
  c.direction = DataDirection::write;
  return c;
}

// Commands run in the background while the test drives the io_context itself.
// Session::execute() takes the Command by reference: each is kept here while it runs.
struct Background {
  std::size_t started = 0;
  std::size_t finished = 0;
  std::vector<CommandResult> results;
  std::deque<Command> commands;

  void execute(asio::io_context& io, Session& session, Command command) {
    ++started;
    commands.push_back(command);
    asio::co_spawn(io, session.execute(commands.back()), [this](std::exception_ptr e, CommandResult r) {
      if (e) std::rethrow_exception(e);
      results.push_back(std::move(r));
      ++finished;
    });
  }
  // Runs `io` until every command has finished, or `limit` has passed.
  void wait(asio::io_context& io, std::chrono::milliseconds limit = std::chrono::milliseconds{10000}) {
    io.restart();
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (finished < started && std::chrono::steady_clock::now() < deadline) {
      io.run_one_for(std::chrono::milliseconds{20});
    }
  }
};

}  // namespace uiscsi::initiator::test
