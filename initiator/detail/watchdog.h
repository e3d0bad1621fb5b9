// Closes a transport when a deadline passes, unless disarmed first: the bound on a login,
// which is a conversation of many sends and receives. Closing the transport makes whatever
// is pending on it complete (with operation_canceled), so the guarded coroutine ends on its
// own; there is no cancellation to propagate and nothing thrown.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

#include "offload/transport.h"

namespace uiscsi::initiator::detail {

class Watchdog {
 public:
  // `transport` must outlive the Watchdog (not the timer: the handler checks `state_`).
  Watchdog(const boost::asio::any_io_executor& executor, offload::Transport& transport,
           std::chrono::steady_clock::duration timeout)
      : state_(std::make_shared<State>(State{&transport, false})), timer_(executor, timeout) {
    timer_.async_wait([state = state_](const boost::system::error_code& ec) {
      if (ec || state->transport == nullptr) return;
      state->fired = true;
      state->transport->close();
    });
  }
  ~Watchdog() {
    state_->transport = nullptr;  // the handler may still run (cancelled); it must not touch it
    timer_.cancel();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  bool fired() const noexcept { return state_->fired; }

 private:
  struct State {
    offload::Transport* transport;
    bool fired;
  };
  std::shared_ptr<State> state_;
  boost::asio::steady_timer timer_;
};

}  // namespace uiscsi::initiator::detail
