// Formatting fresh members and assembling a volume from members that carry superblocks.
#pragma once

#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "target/backend/raid/detail/raid_volume.h"
#include "target/backend/raid/options.h"
#include "target/backend/raid/superblock.h"

namespace uiscsi::target::raid::detail {

// Reads and decodes the superblock at the start of `backend` (see superblock.h decode()).
std::error_code read_superblock(Backend& backend, Superblock& out);

// Member blocks a volume with this superblock needs: metadata plus all rows.
std::uint64_t member_blocks_needed(const VolumeConfig& config) noexcept;

// Writes fresh superblocks and bitmaps on `members` (and zeroes their data areas when
// options.zero_members). Errors as RaidBackend::create.
std::error_code format_members(std::vector<MemberDevice>& members, const CreateOptions& options);

// Reads every member's superblock, checks they form one volume, and starts it. Errors and
// messages as RaidBackend::assemble.
std::unique_ptr<RaidVolume> assemble_volume(std::vector<MemberDevice> devices, const RuntimeOptions& options,
                                            std::vector<std::string>& messages, std::error_code& ec);

}  // namespace uiscsi::target::raid::detail
