// Human-readable views of a volume's status, in the style of `mdadm --detail`.
#pragma once

#include <cstdint>
#include <string>

#include "target/backend/raid/status.h"

namespace uiscsi::target::raid {

// "3.00 MiB" style: binary units, two decimals (bytes below 1 KiB as "512 B").
std::string format_size(std::uint64_t bytes);

// The state column of a member: "active sync", "spare rebuilding", "faulty", "spare",
// "missing" (in the table but not present), "removed".
std::string member_state_text(const MemberStatus& m);

// The volume state line: "clean" or "active", then ", degraded", ", recovering",
// ", FAILED" as they apply.
std::string volume_state_text(const VolumeStatus& st);

// The whole report: volume fields, then the member table (Number, RaidDevice, State,
// Device) with one row per device table entry, then the recent event log.
std::string format_detail(const VolumeStatus& st);

}  // namespace uiscsi::target::raid
