#include "initiator/daemon/workers.h"

namespace uiscsi::initiator::daemon {

Workers::Workers(unsigned count) {
  if (count == 0) count = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < count; ++i) {
    auto worker = std::make_unique<Worker>();
    worker->thread = std::thread([w = worker.get()] {
      w->io.run();
      w->done = true;
    });
    workers_.push_back(std::move(worker));
  }
}

Workers::~Workers() { stop(); }

boost::asio::io_context& Workers::pick() noexcept {
  Worker& worker = *workers_[next_];
  next_ = (next_ + 1) % workers_.size();
  return worker.io;
}

void Workers::stop(std::chrono::milliseconds grace) noexcept {
  for (auto& worker : workers_) worker->guard.reset();
  const auto deadline = std::chrono::steady_clock::now() + grace;
  for (auto& worker : workers_) {
    if (!worker->thread.joinable()) continue;
    while (!worker->done && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!worker->done) worker->io.stop();
    worker->thread.join();
  }
}

}  // namespace uiscsi::initiator::daemon
