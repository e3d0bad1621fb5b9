// Builds a Backend from its configuration description (kind + path + size + block size),
// as the target configuration names it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>
#include <system_error>

#include "target/backend/backend.h"

namespace uiscsi::target {

enum class BackendKind : std::uint8_t {
  file,  // regular file or block device (FileBackend)
  ram,   // anonymous memory (RamBackend)
};

// "file" or "ram"; nullopt for anything else.
std::optional<BackendKind> parse_backend_kind(std::string_view name) noexcept;

struct BackendConfig {
  BackendKind kind = BackendKind::file;
  // file: the file or block device. Unused for ram.
  std::filesystem::path path;
  // ram: the capacity (required). file: the size of a file created because it does not
  // exist yet (0: it must exist).
  std::uint64_t size_bytes = 0;
  std::uint32_t block_size = 512;
  bool read_only = false;
};

// Errors: backend_errc::invalid_config (no size for ram, bad block size, size not a whole
// number of blocks for ram), or the error of the backend's own open (see file_backend.h).
std::unique_ptr<Backend> make_backend(const BackendConfig& config, std::error_code& ec);

// Where a logical unit on this backend keeps its persistent reservations (APTPL): the
// backing path with ".pr" appended, or an empty path for ram (nothing survives a restart).
// A block device needs an explicit path instead (nothing may be created under /dev).
std::filesystem::path pr_state_file_for(const BackendConfig& config);

}  // namespace uiscsi::target
