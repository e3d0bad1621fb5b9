// Deciding how members form a volume, from their superblocks alone: which volume they
// belong to, who is stale, who holds which slot, whether the level covers the gaps. Pure
// (no I/O), so assembly acts on it and `uiscsi-target --check-config` reports it without
// starting anything.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "target/backend/backend.h"
#include "target/backend/raid/detail/raid_volume.h"
#include "target/backend/raid/superblock.h"

namespace uiscsi::target::raid::detail {

// What one member offers: its superblock, or why it has none.
struct MemberView {
  std::string name;
  std::error_code read_error;  // set: `sb` means nothing
  Superblock sb;
  Geometry geometry;
};

// One finding, about a member (its index in the views) or the whole volume.
struct PlanNote {
  static constexpr std::size_t kVolume = static_cast<std::size_t>(-1);
  std::size_t member = kVolume;
  // Set: the volume cannot be assembled from these members (the raid_errc or read error).
  std::error_code fatal;
  std::string text;
};

struct AssemblyPlan {
  std::vector<PlanNote> notes;  // every finding, in the order assembly meets them
  std::error_code error;        // the first fatal note's; none when the volume can start
  // The rest is meaningful only without error.
  VolumeConfig config;          // from the freshest superblock
  std::vector<Device> table;    // its device table, slots with no member marked faulty
  std::vector<bool> joins;      // per view: the member takes its table entry
  bool degraded = false;        // some slot has no in-sync member
};

// `force` as RuntimeOptions::force (start a dirty degraded parity volume).
AssemblyPlan plan_assembly(const std::vector<MemberView>& views, bool force);

// VolumeConfig of a superblock's volume-wide fields.
VolumeConfig config_of(const Superblock& sb) noexcept;

}  // namespace uiscsi::target::raid::detail
