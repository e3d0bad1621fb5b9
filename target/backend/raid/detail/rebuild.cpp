// The background worker: rebuilds members onto their slots row by row (rate-limited,
// with its watermark checkpointed in the superblocks so a restart resumes it) and sweeps
// the write-intent bitmap now and then.
#include <algorithm>

#include "target/backend/raid/detail/aligned_buffer.h"
#include "target/backend/raid/detail/raid_volume.h"
#include "target/backend/raid/raid_error.h"

namespace uiscsi::target::raid::detail {
namespace {

using Clock = std::chrono::steady_clock;

// Watermark checkpoints per rebuild: a crash repeats at most this fraction of the work.
constexpr std::uint64_t kCheckpoints = 64;

std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

}  // namespace

void RaidVolume::request_rebuild() {
  std::lock_guard lock(worker_mutex_);
  rebuild_requested_ = true;
  worker_cv_.notify_all();
}

void RaidVolume::start_rebuild() { request_rebuild(); }

void RaidVolume::stop_worker() {
  {
    std::lock_guard lock(worker_mutex_);
    stop_ = true;
    worker_cv_.notify_all();
  }
  if (worker_.joinable()) worker_.join();
}

void RaidVolume::worker_main() {
  auto next_sweep = Clock::now() + options_.bitmap_sweep_interval;
  std::unique_lock lock(worker_mutex_);
  while (!stop_) {
    if (rebuild_requested_) {
      rebuild_requested_ = false;
      rebuild_running_ = true;
      rebuild_error_.clear();
      lock.unlock();
      run_rebuild();
      lock.lock();
      rebuild_running_ = false;
      worker_cv_.notify_all();
      continue;
    }
    auto wake = [this] { return stop_ || rebuild_requested_; };
    if (options_.bitmap_sweep_interval.count() > 0) {
      if (worker_cv_.wait_until(lock, next_sweep, wake)) continue;
      lock.unlock();
      maybe_sweep(next_sweep);
      lock.lock();
    } else {
      worker_cv_.wait(lock, wake);
    }
  }
  worker_cv_.notify_all();
}

void RaidVolume::maybe_sweep(Clock::time_point& next_sweep) {
  if (!bitmap_ || options_.bitmap_sweep_interval.count() <= 0 || Clock::now() < next_sweep) return;
  (void)bitmap_->sweep();  // a failed sweep leaves bits set: a longer resync, nothing worse
  next_sweep = Clock::now() + options_.bitmap_sweep_interval;
}

void RaidVolume::run_rebuild() {
  auto next_sweep = Clock::now() + options_.bitmap_sweep_interval;
  for (;;) {
    std::vector<Member*> targets;
    {
      std::lock_guard lock(meta_mutex_);
      for (std::uint32_t disk = 0; disk < layout_.raid_devices(); ++disk) {
        Member* m = volume_.slot(disk);
        if (m != nullptr && m->state.load() == DeviceState::rebuilding) targets.push_back(m);
      }
    }
    if (targets.empty()) return;
    std::uint64_t row = config_.rows;
    for (Member* t : targets) row = std::min(row, t->rebuilt_rows.load());
    rebuild_rows_done_.store(row);
    rebuild_bytes_.store(0);
    rebuild_started_ns_.store(now_ns());
    rebuild_active_.store(true);

    const std::uint64_t every = std::max<std::uint64_t>(1, config_.rows / kCheckpoints);
    std::uint64_t next_checkpoint = row + every;
    std::error_code ec;
    for (; row < config_.rows && !stop_.load(); ++row) {
      if ((ec = engine_->rebuild_row(row, targets))) break;
      rebuild_rows_done_.store(row + 1);
      rebuild_bytes_.fetch_add(volume_.chunk_bytes() * targets.size());
      throttle_rebuild();
      if (row + 1 >= next_checkpoint) {
        checkpoint_rebuild(targets);
        next_checkpoint += every;
      }
      maybe_sweep(next_sweep);
    }
    rebuild_active_.store(false);
    if (stop_.load()) {
      checkpoint_rebuild(targets);
      return;
    }
    if (ec) {
      // A target that failed is faulty now and drops out (a spare may replace it); any
      // other error means the sources are gone.
      const bool target_lost =
          std::any_of(targets.begin(), targets.end(), [](Member* t) { return t->state.load() == DeviceState::faulty; });
      if (target_lost) continue;
      {
        std::lock_guard meta(meta_mutex_);
        log_locked("rebuild stopped: " + ec.message());
      }
      std::lock_guard lock(worker_mutex_);
      rebuild_error_ = ec;
      return;
    }
    for (Member* t : targets) {
      if (t->state.load() == DeviceState::rebuilding && t->rebuilt_rows.load() >= config_.rows) finish_rebuild(*t);
    }
  }
}

void RaidVolume::throttle_rebuild() {
  if (options_.rebuild_mb_per_s <= 0) return;
  const double seconds = static_cast<double>(rebuild_bytes_.load()) / (options_.rebuild_mb_per_s * 1e6);
  const auto due = Clock::time_point(std::chrono::nanoseconds(rebuild_started_ns_.load())) +
                   std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::unique_lock lock(worker_mutex_);
  worker_cv_.wait_until(lock, due, [this] { return stop_.load(); });
}

void RaidVolume::checkpoint_rebuild(std::span<Member* const> targets) {
  // The watermark on disk must never run ahead of data that is stable on the target.
  for (Member* t : targets) {
    if (t->state.load() != DeviceState::rebuilding) continue;
    if (auto ec = t->backend->flush()) member_failed(*t, ec);
  }
  std::lock_guard lock(meta_mutex_);
  (void)write_superblocks_locked();
}

void RaidVolume::finish_rebuild(Member& target) {
  if (auto ec = target.backend->flush()) {
    member_failed(target, ec);
    return;
  }
  // Give the new member the bitmap too, so it can stand in for the others after a crash.
  if (bitmap_) {
    const auto image = bitmap_->image();
    const std::uint64_t lba = metadata_unit_bytes(config_.block_size) / config_.block_size;
    AlignedBuffer buffer(image.size());
    if (!buffer.ok()) return;
    std::copy(image.begin(), image.end(), buffer.data());
    if (auto ec = target.backend->write(lba, std::span(buffer.data(), image.size()), true)) {
      member_failed(target, ec);
      return;
    }
  }
  std::lock_guard lock(meta_mutex_);
  DeviceState expected = DeviceState::rebuilding;
  if (!target.state.compare_exchange_strong(expected, DeviceState::in_sync)) return;
  log_locked("rebuild of " + target.name + " complete");
  (void)write_superblocks_locked();
}

RebuildProgress RaidVolume::rebuild_progress() const {
  RebuildProgress p;
  p.active = rebuild_active_.load();
  p.rows_total = config_.rows;
  p.rows_done = rebuild_rows_done_.load();
  const double seconds = static_cast<double>(now_ns() - rebuild_started_ns_.load()) / 1e9;
  if (p.active && seconds > 0) p.mb_per_s = static_cast<double>(rebuild_bytes_.load()) / 1e6 / seconds;
  return p;
}

std::error_code RaidVolume::wait_for_rebuild() {
  std::unique_lock lock(worker_mutex_);
  worker_cv_.wait(lock, [this] { return stop_.load() || (!rebuild_requested_ && !rebuild_running_); });
  return rebuild_error_;
}

}  // namespace uiscsi::target::raid::detail
