// The daemon's I/O threads: one io_context per core (ARCHITECTURE.md), each run by its own
// thread until stop(). A session lives on one of them for its whole life; pick() spreads
// new sessions round-robin.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

namespace uiscsi::initiator::daemon {

class Workers {
 public:
  // `count` 0: one per core (std::thread::hardware_concurrency, at least 1).
  explicit Workers(unsigned count);
  // stop()s.
  ~Workers();
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;

  boost::asio::io_context& pick() noexcept;
  std::size_t size() const noexcept { return workers_.size(); }
  // Lets every io_context run out of work and joins the threads; an io_context still busy
  // after `grace` (a session that did not finish closing) is stopped. Idempotent.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(5)) noexcept;

 private:
  struct Worker {
    boost::asio::io_context io{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard{io.get_executor()};
    std::thread thread;
    std::atomic<bool> done{false};
  };
  std::vector<std::unique_ptr<Worker>> workers_;
  std::size_t next_ = 0;
};

}  // namespace uiscsi::initiator::daemon
