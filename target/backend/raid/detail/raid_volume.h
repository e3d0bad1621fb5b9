// The running volume behind RaidBackend: members and their device table, the data path
// (through the level's Engine), failure handling, the background worker (rebuild and
// bitmap sweeps), scrub and orderly shutdown.
//
// Locks, in the only order they nest:
//   stripe lock (one at a time) -> bitmap mutex -> meta_mutex_ -> worker_mutex_
// The data path takes a stripe lock and, on a member error, meta_mutex_ (to record the
// failure); nothing under meta_mutex_ takes a stripe lock or the bitmap mutex.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "target/backend/raid/detail/engine.h"
#include "target/backend/raid/detail/member.h"
#include "target/backend/raid/detail/volume.h"
#include "target/backend/raid/options.h"
#include "target/backend/raid/status.h"
#include "target/backend/raid/superblock.h"
#include "target/backend/raid/write_intent_bitmap.h"

namespace uiscsi::target::raid::detail {

// The volume-wide fields of the superblock.
struct VolumeConfig {
  Uuid uuid;
  Level level = Level::raid0;
  std::uint32_t raid_devices = 0;
  std::uint32_t block_size = 512;
  std::uint32_t chunk_blocks = 0;
  std::uint64_t rows = 0;
  std::uint64_t bitmap_region_rows = 0;
  std::uint64_t bitmap_bits = 0;
  std::uint64_t ctime = 0;
  std::uint64_t events = 0;
  bool clean = true;
};

// One device table entry and, when the device is present, its member.
struct Device {
  DeviceEntry entry;
  Member* member = nullptr;
};

class RaidVolume final : private FailureSink, private BitmapStore {
 public:
  // `devices` is the device table; `members` own the present devices (each Device's
  // member points into it). Slots are taken from the table.
  RaidVolume(const VolumeConfig& config, std::vector<Device> devices, std::vector<std::unique_ptr<Member>> members,
             const RuntimeOptions& options);
  ~RaidVolume() override;

  // Loads the bitmap, resyncs a dirty volume, marks it dirty on disk and starts the
  // worker. `messages` gets what the resync did.
  std::error_code start(std::vector<std::string>& messages);

  Geometry geometry() const noexcept { return geometry_; }
  Features features() const noexcept { return features_; }
  bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }
  std::error_code read(std::uint64_t lba, std::span<std::byte> out) noexcept { return engine_->read(lba, out); }
  std::error_code write(std::uint64_t lba, std::span<const std::byte> in, bool fua) noexcept {
    return engine_->write(lba, in, fua);
  }
  std::error_code flush() noexcept;

  VolumeStatus status() const;
  std::error_code fail_member(std::uint32_t device_number);
  std::error_code remove_member(std::uint32_t device_number);
  std::error_code add_member(std::unique_ptr<Member> member, std::optional<std::uint32_t> reuse_device);
  // For add_member: the device number whose entry has this UUID, if any.
  std::optional<std::uint32_t> device_with_uuid(const Uuid& uuid) const;
  const VolumeConfig& config() const noexcept { return config_; }

  void start_rebuild();
  RebuildProgress rebuild_progress() const;
  std::error_code wait_for_rebuild();
  std::error_code scrub(bool repair, ScrubReport& report, const std::function<void(std::uint64_t, std::uint64_t)>& progress);
  std::error_code clean_bitmap();
  std::error_code close();

 private:
  // FailureSink
  void member_failed(Member& member, std::error_code ec) noexcept override;
  // BitmapStore
  std::error_code store_bitmap_page(std::uint64_t page, std::span<const std::byte> bytes) noexcept override;
  std::error_code flush_members() noexcept override;

  // Marks `member` faulty unless it already is, records why, moves a spare into its slot
  // and rewrites the superblocks. Takes meta_mutex_.
  void mark_faulty(Member& member, const std::string& reason) noexcept;

  // --- metadata (metadata.cpp), all with meta_mutex_ held ---
  Superblock superblock_for_locked(const Member& member) const;
  // Bumps the event count and writes every non-faulty member's superblock (FUA). A member
  // that fails is marked faulty and the others are written again. Error if none took it.
  std::error_code write_superblocks_locked();
  // Puts spares into slots without an in-sync or rebuilding member; true if any moved.
  bool activate_spares_locked();
  void log_locked(std::string line);

  // From the slots' atomics alone (no lock): whether every block is readable with only
  // in-sync members (ignoring `without`), and how many slots lack an in-sync member.
  bool survives(const Member* without) const noexcept;
  std::uint32_t slots_out_of_sync() const noexcept;

  // --- worker (rebuild.cpp) ---
  void worker_main();
  void run_rebuild();
  bool rebuild_pending() const;
  void maybe_sweep(std::chrono::steady_clock::time_point& next_sweep);
  void throttle_rebuild();
  void finish_rebuild(Member& target);
  void checkpoint_rebuild(std::span<Member* const> targets);
  void request_rebuild();
  void stop_worker();

  // --- resync (scrub.cpp) ---
  std::error_code resync_dirty_regions(std::vector<std::string>& messages);

  const VolumeConfig config_;
  const RuntimeOptions options_;
  const Layout layout_;
  Geometry geometry_;
  Features features_;
  Volume volume_;
  std::unique_ptr<WriteIntentBitmap> bitmap_;
  std::unique_ptr<Engine> engine_;

  mutable std::mutex meta_mutex_;
  std::vector<std::unique_ptr<Member>> members_;  // never shrinks: the data path may hold pointers
  std::vector<Device> devices_;
  std::uint64_t events_;
  bool clean_;
  std::deque<std::string> log_;
  std::atomic<bool> closed_{false};
  bool started_ = false;  // start() succeeded: close() may mark the volume clean

  std::mutex worker_mutex_;
  std::condition_variable worker_cv_;
  std::atomic<bool> stop_{false};  // changed under worker_mutex_, read anywhere
  bool rebuild_requested_ = false;
  bool rebuild_running_ = false;
  std::error_code rebuild_error_;
  std::thread worker_;

  std::atomic<bool> rebuild_active_{false};
  std::atomic<std::uint64_t> rebuild_rows_done_{0};
  std::atomic<std::uint64_t> rebuild_bytes_{0};
  std::atomic<std::int64_t> rebuild_started_ns_{0};
};

}  // namespace uiscsi::target::raid::detail
