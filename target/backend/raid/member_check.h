// Checking a volume's member files without opening them for writing: what
// `uiscsi-target --check-config` (and a SIGHUP reload) says about a raid LUN before the
// daemon assembles it, and what the daemon's banner says about a volume it serves.
// Reads superblocks only; writes nothing, locks nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "target/backend/raid/layout.h"
#include "target/backend/raid/uuid.h"

namespace uiscsi::target::raid {

struct MemberFinding {
  // An error: assembly would refuse these members. Otherwise a warning: the volume starts,
  // but not as one may expect (degraded, a member left out).
  bool error = false;
  std::optional<std::size_t> member;  // index into the paths; nullopt: about the volume
  std::string text;                   // one sentence, naming the member
};

// The volume the freshest superblock describes.
struct VolumeSummary {
  Uuid uuid;
  Level level = Level::raid0;
  std::uint32_t raid_devices = 0;
  std::uint32_t block_size = 0;
  std::uint64_t chunk_bytes = 0;
  std::uint64_t capacity_blocks = 0;
};

struct MemberCheck {
  std::vector<MemberFinding> findings;
  std::optional<VolumeSummary> volume;  // set when some member's superblock was read
  // Some member is held by a running volume (this process or another): the volume's state
  // (dirty, degraded) changes under us, so only what cannot change was checked.
  bool in_use = false;
};

// Assembly's own judgement (see RaidBackend::assemble), as findings: a missing or
// unreadable file, no superblock, a member of another volume, a duplicate, a stale or
// removed member (left out: a warning), too many members missing, a dirty degraded volume
// without `force`.
MemberCheck check_member_files(const std::vector<std::filesystem::path>& paths, bool force);

// "raid5, 4 members, 64 KiB chunks" (or why it cannot say), for people.
std::string describe(const VolumeSummary& volume);

}  // namespace uiscsi::target::raid
