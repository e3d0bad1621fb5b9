// Volumes on member files or block devices: what the uiscsi-raid tool and a target
// configuration need to open members by path.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "target/backend/backend.h"
#include "target/backend/raid/raid_backend.h"

namespace uiscsi::target::raid {

// Opens a member file or block device (FileBackend), locked for this process alone (flock;
// device_or_resource_busy while another volume or uiscsi-raid holds it). A missing file is
// created sparse when `create_size` > 0. A member that already carries a superblock is opened with the
// block size the superblock names; otherwise with `block_size`. Errors: those of
// FileBackend::open.
std::unique_ptr<Backend> open_member_file(const std::filesystem::path& path, std::uint64_t create_size,
                                          std::uint32_t block_size, std::error_code& ec);

// Opens every path and assembles the volume (RaidBackend::assemble); member names are the
// paths as given. `messages` also gets a line for a path that cannot be opened.
std::unique_ptr<RaidBackend> assemble_member_files(const std::vector<std::filesystem::path>& paths,
                                                   const RuntimeOptions& runtime, std::vector<std::string>& messages,
                                                   std::error_code& ec);

}  // namespace uiscsi::target::raid
