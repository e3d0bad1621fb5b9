// Builds a Backend from its configuration description (kind + path + size + block size,
// or a RAID volume's members), as the target configuration names it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

#include "target/backend/backend.h"

namespace uiscsi::target {

enum class BackendKind : std::uint8_t {
  file,  // regular file or block device (FileBackend)
  ram,   // anonymous memory (RamBackend)
  raid,  // a software RAID volume assembled from its members (raid::RaidBackend)
};

// "file", "ram" or "raid"; nullopt for anything else.
std::optional<BackendKind> parse_backend_kind(std::string_view name) noexcept;

// A RAID volume as a LUN: it is assembled from existing members (`uiscsi-raid create`
// makes them); level, chunk size, block size and capacity come from their superblocks.
// Nothing is created here: a volume that does not assemble fails the LUN.
struct RaidMembers {
  // The member files or block devices, in any order.
  std::vector<std::filesystem::path> members;
  // Rebuild rate limit in MB/s (raid::RuntimeOptions::rebuild_mb_per_s); 0 = unlimited.
  double rebuild_mb_per_s = 0;
  // Start a volume that crashed while degraded (raid::RuntimeOptions::force).
  bool force = false;

  friend bool operator==(const RaidMembers&, const RaidMembers&) = default;
};

struct BackendConfig {
  BackendKind kind = BackendKind::file;
  // file: the file or block device. Unused for ram.
  std::filesystem::path path;
  // ram: the capacity (required). file: the size of a file created because it does not
  // exist yet (0: it must exist).
  std::uint64_t size_bytes = 0;
  std::uint32_t block_size = 512;
  bool read_only = false;
  // raid: the volume (path, size and read_only are unused).
  RaidMembers raid;
};

// Errors: backend_errc::invalid_config (no size for ram, bad block size, size not a whole
// number of blocks for ram; no members for raid), or the error of the backend's own open
// (see file_backend.h, raid::RaidBackend::assemble; the configuration loader explains a
// raid volume's problems at their line beforehand, raid/member_check.h).
std::unique_ptr<Backend> make_backend(const BackendConfig& config, std::error_code& ec);

// Where a logical unit on this backend keeps its persistent reservations (APTPL): the
// backing path with ".pr" appended, or an empty path for ram (nothing survives a restart)
// and raid (members change places and get replaced; name a file in the configuration).
// A block device needs an explicit path instead (nothing may be created under /dev).
std::filesystem::path pr_state_file_for(const BackendConfig& config);

}  // namespace uiscsi::target
