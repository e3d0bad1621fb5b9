// Waiting for "something changed" inside one io_context, without locks or exceptions.
//
// Wakeup: one waiter (the coroutine that owns a task) sleeps until notify() or a deadline.
// A notify() that comes while nobody waits is remembered, so the usual pattern
//   while (!condition) co_await w.wait_until(deadline);
// never misses one. Broadcast: any number of waiters, all woken by notify_all(); they
// re-check their condition (the command window, the session state) after waking.
//
// Built on steady_timer: notify() cancels the timer the waiter sleeps on. Everything here
// must run on the owning io_context's thread.
#pragma once

#include <algorithm>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <vector>

namespace uiscsi::initiator::detail {

using Clock = std::chrono::steady_clock;

class Wakeup {
 public:
  explicit Wakeup(const boost::asio::any_io_executor& executor) : timer_(executor) {}

  void notify() noexcept {
    notified_ = true;
    timer_.cancel();
  }

  // True when woken by notify() (before or during the wait), false at the deadline.
  boost::asio::awaitable<bool> wait_until(Clock::time_point deadline) {
    if (!notified_) {
      timer_.expires_at(deadline);
      (void)co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
    co_return std::exchange(notified_, false);
  }
  boost::asio::awaitable<void> wait() {
    (void)co_await wait_until(Clock::time_point::max());
  }

 private:
  boost::asio::steady_timer timer_;
  bool notified_ = false;
};

class Broadcast {
 public:
  void notify_all() noexcept {
    for (Wakeup* w : waiters_) w->notify();
  }

  // True when notified, false at the deadline.
  boost::asio::awaitable<bool> wait_until(const boost::asio::any_io_executor& executor,
                                          Clock::time_point deadline) {
    Wakeup w(executor);
    waiters_.push_back(&w);
    // Unregisters even if the coroutine is destroyed while suspended (io_context teardown).
    struct Leave {
      std::vector<Wakeup*>& waiters;
      Wakeup* self;
      ~Leave() { waiters.erase(std::find(waiters.begin(), waiters.end(), self)); }
    } leave{waiters_, &w};
    co_return co_await w.wait_until(deadline);
  }
  boost::asio::awaitable<void> wait(const boost::asio::any_io_executor& executor) {
    (void)co_await wait_until(executor, Clock::time_point::max());
  }

 private:
  std::vector<Wakeup*> waiters_;
};

}  // namespace uiscsi::initiator::detail
