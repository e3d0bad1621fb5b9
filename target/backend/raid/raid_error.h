// Errors of the software RAID backend (the "target.raid" category).
//
// These are management and assembly errors: the data path (read/write/flush) reports a lost
// volume as a system EIO, like any other backend, so the SCSI layer maps it to sense data
// without knowing about RAID.
#pragma once

#include <system_error>

namespace uiscsi::target::raid {

enum class raid_errc {
  // A level, chunk size, member count or option the volume cannot be built with.
  invalid_config = 1,
  // No uiscsi RAID superblock (wrong magic): a blank disk or something else entirely.
  not_a_member,
  // A superblock with a bad checksum or fields that contradict each other.
  bad_superblock,
  // A superblock of a format version this build does not read.
  unsupported_version,
  // The member belongs to another volume (its volume UUID differs).
  foreign_member,
  // The member missed updates (its event count is lower than the volume's).
  stale_member,
  // The member's block size differs from the volume's, or it is too small.
  member_mismatch,
  // The same member was given twice.
  duplicate_member,
  // More members are missing than the level tolerates: the volume cannot start.
  too_many_missing,
  // The volume crashed (dirty) while degraded: parity may be wrong where a member is
  // missing (the RAID write hole), so it starts only when forced.
  dirty_degraded,
  // No device with this number, or it is not in a state the operation accepts.
  no_such_member,
  // The operation would lose data (failing the last copy) or needs a faulty member first.
  member_busy,
  // The device table is full.
  too_many_members,
  // Scrub needs every member in sync.
  degraded,
  // RAID 0 has nothing to fail over to, rebuild from or check.
  no_redundancy,
  // The volume was closed.
  closed,
};

const std::error_category& raid_category() noexcept;
std::error_code make_error_code(raid_errc e) noexcept;

}  // namespace uiscsi::target::raid

template <>
struct std::is_error_code_enum<uiscsi::target::raid::raid_errc> : std::true_type {};
