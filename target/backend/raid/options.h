// How a RAID volume is created and how it runs.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "target/backend/backend.h"
#include "target/backend/raid/layout.h"

namespace uiscsi::target::raid {

// A member device handed to a volume, with the name messages use for it (usually its
// path). The volume takes ownership of the backend.
struct MemberDevice {
  std::string name;
  std::unique_ptr<Backend> backend;
};

struct CreateOptions {
  Level level = Level::raid5;
  // Members that hold data (slots); the members given beyond these become hot spares.
  std::uint32_t raid_devices = 0;
  // A multiple of the block size.
  std::uint64_t chunk_bytes = 64 * 1024;
  // Member data covered by one write-intent bit, rounded up to whole chunks and grown
  // until the bitmap fits its area. Smaller regions mean less to resync after a crash and
  // more bitmap updates while writing.
  std::uint64_t bitmap_region_bytes = 64ull * 1024 * 1024;
  // Zero every member's data area so that parity and copies agree from the start (cheap on
  // sparse files and RAM). Without it the volume starts dirty with every bitmap bit set,
  // so the first assembly resyncs everything.
  bool zero_members = true;
};

struct RuntimeOptions {
  // Rebuild rate limit in MB/s (10^6 bytes per second written to the new members);
  // 0 = as fast as the members go.
  double rebuild_mb_per_s = 0;
  // Rebuild onto spares on its own: when a member fails, when a member is added, and when
  // a volume with a rebuild in progress is assembled. Otherwise only start_rebuild()
  // starts it.
  bool auto_rebuild = true;
  // How often write-intent bits of idle regions are cleared; zero = only by
  // RaidBackend::clean_bitmap() and at close.
  std::chrono::milliseconds bitmap_sweep_interval{5000};
  // Start a dirty, degraded RAID 5/6 volume although rows torn by the crash may return
  // garbage for the missing member (see write_intent_bitmap.h).
  bool force = false;
};

}  // namespace uiscsi::target::raid
