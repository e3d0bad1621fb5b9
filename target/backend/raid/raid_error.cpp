#include "target/backend/raid/raid_error.h"

#include <string>

namespace uiscsi::target::raid {
namespace {

class RaidCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "target.raid"; }

  std::string message(int ev) const override {
    switch (static_cast<raid_errc>(ev)) {
      case raid_errc::invalid_config: return "invalid RAID configuration";
      case raid_errc::not_a_member: return "no uiscsi RAID superblock";
      case raid_errc::bad_superblock: return "corrupt RAID superblock";
      case raid_errc::unsupported_version: return "unsupported RAID superblock version";
      case raid_errc::foreign_member: return "member belongs to another RAID volume";
      case raid_errc::stale_member: return "member is stale (missed updates)";
      case raid_errc::member_mismatch: return "member block size or size does not fit the volume";
      case raid_errc::duplicate_member: return "member given twice";
      case raid_errc::too_many_missing: return "too many members missing to start the volume";
      case raid_errc::dirty_degraded: return "volume is dirty and degraded (possible write hole)";
      case raid_errc::no_such_member: return "no such member";
      case raid_errc::member_busy: return "member is in use or the operation would lose data";
      case raid_errc::too_many_members: return "too many members";
      case raid_errc::degraded: return "volume is degraded";
      case raid_errc::no_redundancy: return "RAID level has no redundancy";
      case raid_errc::closed: return "volume is closed";
    }
    return "unknown RAID error";
  }
};

}  // namespace

const std::error_category& raid_category() noexcept {
  static const RaidCategory category;
  return category;
}

std::error_code make_error_code(raid_errc e) noexcept { return {static_cast<int>(e), raid_category()}; }

}  // namespace uiscsi::target::raid
