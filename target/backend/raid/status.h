// Snapshots of a running volume's state, for management and display.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "target/backend/raid/layout.h"
#include "target/backend/raid/superblock.h"
#include "target/backend/raid/uuid.h"

namespace uiscsi::target::raid {

struct RebuildProgress {
  bool active = false;
  std::uint64_t rows_done = 0;   // rows behind the slowest rebuilding member's watermark
  std::uint64_t rows_total = 0;  // rows per member
  double mb_per_s = 0;           // measured since this rebuild pass started
};

struct MemberStatus {
  std::uint32_t device_number = 0;  // index in the device table: how management names it
  std::string name;                 // empty when the member is not present
  bool present = false;
  Uuid uuid;
  std::uint16_t role = kNoRole;  // slot, or kNoRole (spare, removed)
  DeviceState state = DeviceState::empty;
  std::uint64_t rebuilt_rows = 0;
};

struct VolumeStatus {
  Uuid uuid;
  Level level = Level::raid0;
  std::uint32_t raid_devices = 0;
  std::uint32_t block_size = 0;
  std::uint64_t chunk_bytes = 0;
  std::uint64_t capacity_blocks = 0;
  std::uint64_t member_data_bytes = 0;  // per member
  std::uint64_t events = 0;
  bool clean = false;     // only a closed volume is clean; a running one is dirty
  bool degraded = false;  // some slot has no in-sync member
  bool failed = false;    // too many slots lost: some blocks cannot be read
  RebuildProgress rebuild;
  std::uint64_t bitmap_bits = 0;
  std::uint64_t bitmap_dirty = 0;
  std::uint64_t bitmap_region_bytes = 0;
  std::vector<MemberStatus> members;
  std::vector<std::string> log;  // recent member failures and state changes, oldest first
};

struct ScrubReport {
  std::uint64_t rows_checked = 0;
  std::uint64_t mismatched_rows = 0;
  std::uint64_t repaired_rows = 0;
  std::vector<std::uint64_t> first_mismatches;  // up to 64 row numbers
};

}  // namespace uiscsi::target::raid
