// Test set-up shared by the unit tests that run a Session against a FakeTarget.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
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

}  // namespace uiscsi::initiator::test
