#include "target/backend/factory.h"

#include "target/backend/error.h"
#include "target/backend/file_backend.h"
#include "target/backend/raid/member_files.h"
#include "target/backend/ram_backend.h"

namespace uiscsi::target {

std::optional<BackendKind> parse_backend_kind(std::string_view name) noexcept {
  if (name == "file") return BackendKind::file;
  if (name == "ram") return BackendKind::ram;
  if (name == "raid") return BackendKind::raid;
  return std::nullopt;
}

namespace {

std::unique_ptr<Backend> assemble_raid(const RaidMembers& config, std::error_code& ec) {
  if (config.members.empty()) {
    ec = backend_errc::invalid_config;
    return nullptr;
  }
  raid::RuntimeOptions runtime;
  runtime.rebuild_mb_per_s = config.rebuild_mb_per_s;
  runtime.force = config.force;
  // What assembly says was said by the configuration check already (member_check.h).
  std::vector<std::string> messages;
  return raid::assemble_member_files(config.members, runtime, messages, ec);
}

}  // namespace

std::unique_ptr<Backend> make_backend(const BackendConfig& config, std::error_code& ec) {
  ec.clear();
  switch (config.kind) {
    case BackendKind::file:
      return FileBackend::open({.path = config.path,
                                .block_size = config.block_size,
                                .create_size_bytes = config.size_bytes,
                                .read_only = config.read_only},
                               ec);
    case BackendKind::ram:
      if (config.block_size == 0 || config.size_bytes == 0 || config.size_bytes % config.block_size != 0) {
        ec = backend_errc::invalid_config;
        return nullptr;
      }
      return RamBackend::create({config.block_size, config.size_bytes / config.block_size}, ec);
    case BackendKind::raid:
      return assemble_raid(config.raid, ec);
  }
  ec = backend_errc::invalid_config;
  return nullptr;
}

std::filesystem::path pr_state_file_for(const BackendConfig& config) {
  if (config.kind != BackendKind::file) return {};
  std::filesystem::path p = config.path;
  p += ".pr";
  return p;
}

}  // namespace uiscsi::target
