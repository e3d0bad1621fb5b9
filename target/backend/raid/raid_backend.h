// A software RAID volume (levels 0, 1, 5, 6, 10) over member Backends, as a Backend.
//
// Every member carries a superblock and a write-intent bitmap in its first MiB (see
// superblock.h); data follows. A volume is created once from fresh members and then
// assembled from its members in any order. While it runs:
//  - a member that returns an I/O error (or is failed by command) is marked faulty, the
//    survivors' superblocks record it, and I/O continues degraded: reads reconstruct from
//    parity or the other copy (RAID 6 survives two lost members);
//  - a spare takes a faulty member's slot and is rebuilt in the background, rate-limited,
//    while I/O is served (rows below the rebuild watermark are used, the rest are
//    reconstructed; stripe locks order the rebuild against writes);
//  - before any write to a region its write-intent bit is on disk; after a crash the
//    regions with set bits are resynced at assembly (write_intent_bitmap.h says why this
//    closes the write hole, and where it does not);
//  - scrub() checks parity and copies row by row and can repair them.
//
// Thread safety: the Backend calls follow the Backend contract (any thread, concurrently).
// Management calls (fail/remove/add/scrub/status...) may run concurrently with I/O and
// with each other. close() and the destructor must not race with other calls.
//
// Ownership: the volume owns the member backends it is given, for its whole lifetime
// (removed members included).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "target/backend/backend.h"
#include "target/backend/raid/options.h"
#include "target/backend/raid/status.h"

namespace uiscsi::target::raid {

namespace detail {
class RaidVolume;
}

class RaidBackend final : public Backend {
 public:
  // Writes fresh superblocks on `members` (the first options.raid_devices hold data, the
  // rest are spares) and starts the volume. The data area is the smallest member's, in
  // whole chunks. Errors: raid_errc::invalid_config, member_mismatch (block sizes differ,
  // a member too small), or a member's I/O error.
  static std::unique_ptr<RaidBackend> create(std::vector<MemberDevice> members, const CreateOptions& options,
                                             const RuntimeOptions& runtime, std::error_code& ec);

  // Starts a volume from its members in any order. A member of another volume or one
  // without a valid superblock fails the assembly (foreign_member, not_a_member,
  // bad_superblock, duplicate_member, member_mismatch); a stale member (lower event count)
  // is left out — add_member() brings it back with a full rebuild. Then: too_many_missing
  // if the level cannot cover the absent members, dirty_degraded for a crashed degraded
  // parity volume unless runtime.force. A dirty volume is resynced (the regions marked in
  // its bitmap) before this returns. `messages` gets one line per member left out and per
  // notable step.
  static std::unique_ptr<RaidBackend> assemble(std::vector<MemberDevice> members, const RuntimeOptions& runtime,
                                               std::vector<std::string>& messages, std::error_code& ec);

  ~RaidBackend() override;
  RaidBackend(const RaidBackend&) = delete;
  RaidBackend& operator=(const RaidBackend&) = delete;

  // Backend. unmap() is not supported (Features::unmap is false); write_zeroes() writes
  // zeroes through the normal write path so parity stays right.
  Geometry geometry() const noexcept override;
  Features features() const noexcept override;
  std::error_code read(std::uint64_t lba, std::span<std::byte> out) override;
  std::error_code write(std::uint64_t lba, std::span<const std::byte> in, bool fua) override;
  std::error_code flush() override;
  std::error_code unmap(std::uint64_t lba, std::uint64_t blocks) override;
  std::error_code write_zeroes(std::uint64_t lba, std::uint64_t blocks, bool fua) override;
  std::error_code provisioning_status(std::uint64_t lba, Extent& out) override;

  VolumeStatus status() const;

  // Marks a member faulty as if it had failed (mdadm --fail). member_busy if that would
  // leave some data without a copy; no_such_member for an unknown or already faulty one;
  // no_redundancy for RAID 0.
  std::error_code fail_member(std::uint32_t device_number);
  // Drops a faulty or spare member from the device table (mdadm --remove); member_busy
  // for a member that still holds data.
  std::error_code remove_member(std::uint32_t device_number);
  // Adds a member (mdadm --add): it takes the lowest slot without an in-sync member and is
  // rebuilt, or becomes a spare. A stale member of this volume gets its old table entry
  // back (and a full rebuild). foreign_member for a member of another volume unless
  // `overwrite_foreign`; member_mismatch for a wrong block size or a member too small.
  std::error_code add_member(MemberDevice device, bool overwrite_foreign = false);

  // Starts rebuilding onto members waiting for it (needed only without auto_rebuild).
  void start_rebuild();
  RebuildProgress rebuild_progress() const;
  // Blocks until no rebuild is running or pending; the error that stopped the last rebuild
  // (volume_io_error when its sources failed), or none.
  std::error_code wait_for_rebuild();

  // Checks every row's parity or copies (RAID 1, 5, 6, 10); with `repair`, rewrites parity
  // from data and copies from the first copy. Runs on the calling thread, alongside I/O.
  // `progress(rows_done, rows_total)` is called now and then when set. Errors: degraded
  // (a member is not in sync), no_redundancy (RAID 0), or a member's read error.
  std::error_code scrub(bool repair, ScrubReport& report,
                        const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});

  // Flushes the members and clears the write-intent bits of regions that had no writes
  // since the previous call (what the background sweep does every
  // RuntimeOptions::bitmap_sweep_interval).
  std::error_code clean_bitmap();

  // Orderly shutdown: stops the rebuild (its progress is kept), flushes, clears the
  // bitmap and marks the superblocks clean. Later calls return raid_errc::closed.
  std::error_code close();

 private:
  explicit RaidBackend(std::unique_ptr<detail::RaidVolume> volume) noexcept;

  std::unique_ptr<detail::RaidVolume> volume_;
};

}  // namespace uiscsi::target::raid
