// The raid part of a [[target.lun]]: its members and how the volume runs. The volume is
// not assembled here; its members' superblocks are read (raid/member_check.h) so that a
// member of another volume, a stale one or a missing file is reported at its line.
#include <system_error>

#include "target/backend/raid/member_check.h"
#include "target/config/detail/readers.h"

namespace uiscsi::target::config::detail {
namespace {

constexpr std::int64_t kMaxRebuildMbPerSecond = 1000000;

// What a raid volume takes from its superblocks (or, for read_only, cannot do) is refused
// when the file gives it, rather than silently ignored.
void refuse_file_keys(TableReader& lun) {
  static constexpr std::pair<std::string_view, std::string_view> kRefused[] = {
      {"path", "a raid backend has no single file; list them in 'members'"},
      {"size", "a raid volume's size comes from its members' superblocks (uiscsi-raid create)"},
      {"block_size", "a raid volume's block size comes from its members' superblocks (uiscsi-raid create)"},
      {"read_only", "a raid volume is opened read-write (it records its state on its members)"},
  };
  for (const auto& [key, why] : kRefused) {
    if (lun.node(key)) lun.findings().error(lun.position(key), lun.key_path(key) + ": " + std::string(why));
  }
}

}  // namespace

bool read_raid_members(TableReader& lun, const std::filesystem::path& base_directory, BackendConfig& backend) {
  Findings& findings = lun.findings();
  refuse_file_keys(lun);
  if (auto v = lun.integer("rebuild_rate", 0, kMaxRebuildMbPerSecond)) {
    backend.raid.rebuild_mb_per_s = static_cast<double>(*v);
  }
  if (auto v = lun.boolean("force")) backend.raid.force = *v;

  const toml::array* list = lun.array("members");
  if (!list) {
    if (!lun.table().contains("members")) {
      findings.error(lun.position(), lun.key_path("members") +
                                         " is missing: a raid backend needs its member files or block devices");
    }
    return false;
  }
  std::vector<SourcePosition> where;
  bool ok = true;
  for (const toml::node& element : *list) {
    const auto* text = element.as_string();
    if (!text || text->get().empty()) {
      findings.error(position_of(element.source()), lun.key_path("members") + ": expected a file name, found " +
                                                        (text ? std::string("an empty string") : std::string(type_name(element))));
      ok = false;
      continue;
    }
    backend.raid.members.push_back(resolve_path(base_directory, text->get()));
    where.push_back(position_of(element.source()));
  }
  if (list->empty()) {
    findings.error(lun.position("members"), lun.key_path("members") + " is empty");
    return false;
  }
  if (!ok) return false;

  const raid::MemberCheck check = raid::check_member_files(backend.raid.members, backend.raid.force);
  for (const auto& f : check.findings) {
    const SourcePosition at = f.member ? where[*f.member] : lun.position("members");
    std::string message = lun.key_path("members") + ": " + f.text;
    if (f.error) {
      findings.error(at, std::move(message));
      ok = false;
    } else {
      findings.warning(at, std::move(message));
    }
  }
  // The LUN reports the volume's block size (the banner, same_lun()); it is the members'.
  if (check.volume) backend.block_size = check.volume->block_size;
  return ok;
}

}  // namespace uiscsi::target::config::detail
