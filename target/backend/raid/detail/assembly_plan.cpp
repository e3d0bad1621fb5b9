// Members in any order: superblocks are checked against each other (one volume, same
// geometry, no duplicates), stale members are left out, and the freshest superblock's
// device table decides who holds which slot.
#include "target/backend/raid/detail/assembly_plan.h"

#include <algorithm>
#include <array>
#include <map>

#include "target/backend/raid/detail/assembly.h"
#include "target/backend/raid/raid_error.h"

namespace uiscsi::target::raid::detail {
namespace {

bool same_geometry(const Superblock& a, const Superblock& b) noexcept {
  return a.level == b.level && a.raid_devices == b.raid_devices && a.block_size == b.block_size &&
         a.chunk_blocks == b.chunk_blocks && a.rows == b.rows && a.bitmap_region_rows == b.bitmap_region_rows &&
         a.bitmap_bits == b.bitmap_bits;
}

// The volume UUID most readable members carry (the first one seen on a tie).
Uuid majority_volume(const std::vector<MemberView>& views) {
  std::map<std::string, std::size_t> votes;
  std::optional<Uuid> best;
  std::size_t best_votes = 0;
  for (const auto& v : views) {
    if (v.read_error) continue;
    const std::size_t n = ++votes[v.sb.volume_uuid.to_string()];
    if (n > best_votes) {
      best_votes = n;
      best = v.sb.volume_uuid;
    }
  }
  return best.value_or(Uuid{});
}

class Planner {
 public:
  explicit Planner(const std::vector<MemberView>& views) : views_(views), usable_(views.size(), false) {
    plan_.joins.assign(views.size(), false);
  }

  AssemblyPlan run(bool force) {
    if (views_.empty()) {
      fatal(PlanNote::kVolume, raid_errc::invalid_config, "no members given");
      return std::move(plan_);
    }
    check_members();
    if (plan_.error) return std::move(plan_);
    choose_members();
    if (plan_.error) return std::move(plan_);
    check_slots(force);
    return std::move(plan_);
  }

 private:
  void note(std::size_t member, std::string text) { plan_.notes.push_back({member, {}, std::move(text)}); }

  void fatal(std::size_t member, std::error_code why, std::string text) {
    if (!plan_.error) plan_.error = why;
    plan_.notes.push_back({member, why, std::move(text)});
  }

  // Readable, of the majority's volume, of one geometry, no duplicates.
  void check_members() {
    for (std::size_t i = 0; i < views_.size(); ++i) {
      const auto& v = views_[i];
      if (v.read_error) {
        fatal(i, v.read_error, v.name + ": cannot use it: " + v.read_error.message());
      } else {
        usable_[i] = true;
      }
    }
    const Uuid volume = majority_volume(views_);
    for (std::size_t i = 0; i < views_.size(); ++i) {
      if (!usable_[i] || views_[i].sb.volume_uuid == volume) continue;
      usable_[i] = false;
      fatal(i, raid_errc::foreign_member,
            views_[i].name + ": belongs to volume " + views_[i].sb.volume_uuid.to_string() + ", not " +
                volume.to_string() + " like the other members; refusing to assemble");
    }
    std::optional<std::size_t> first;
    for (std::size_t i = 0; i < views_.size(); ++i) {
      if (!usable_[i]) continue;
      if (!first) {
        first = i;
        continue;
      }
      if (!same_geometry(views_[i].sb, views_[*first].sb)) {
        usable_[i] = false;
        fatal(i, raid_errc::bad_superblock,
              views_[i].name + ": superblock geometry differs from " + views_[*first].name + "'s");
        continue;
      }
      for (std::size_t j = 0; j < i; ++j) {
        if (usable_[j] && views_[i].sb.device_uuid == views_[j].sb.device_uuid) {
          usable_[i] = false;
          fatal(i, raid_errc::duplicate_member, views_[i].name + " and " + views_[j].name + " are the same member");
          break;
        }
      }
    }
  }

  // Only the members that saw the latest change count; the freshest superblock is the
  // authority for the device table.
  void choose_members() {
    std::uint64_t events = 0;
    for (std::size_t i = 0; i < views_.size(); ++i)
      if (usable_[i]) events = std::max(events, views_[i].sb.events);
    const Superblock* authority = nullptr;
    for (std::size_t i = 0; i < views_.size() && !authority; ++i)
      if (usable_[i] && views_[i].sb.events == events) authority = &views_[i].sb;
    plan_.config = config_of(*authority);
    plan_.table.resize(authority->devices.size());
    for (std::size_t i = 0; i < plan_.table.size(); ++i) plan_.table[i].entry = authority->devices[i];
    present_.assign(plan_.table.size(), false);

    for (std::size_t i = 0; i < views_.size(); ++i) {
      if (!usable_[i]) continue;
      const MemberView& v = views_[i];
      if (v.sb.events < events) {
        note(i, v.name + ": stale (event count " + std::to_string(v.sb.events) + ", volume at " +
                    std::to_string(events) + "): left out; add it again to rebuild it");
        continue;
      }
      const std::uint32_t number = v.sb.this_device;
      if (number >= plan_.table.size() || plan_.table[number].entry.uuid != v.sb.device_uuid ||
          plan_.table[number].entry.state == DeviceState::empty) {
        note(i, v.name + ": not in the volume's device table (removed): left out");
        continue;
      }
      if (v.geometry.block_size != plan_.config.block_size ||
          v.geometry.block_count < member_blocks_needed(plan_.config)) {
        fatal(i, raid_errc::member_mismatch, v.name + ": block size or size does not match its superblock");
        continue;
      }
      plan_.joins[i] = true;
      present_[number] = true;
    }
  }

  // Slots: one holder each; absent holders are recorded as faulty.
  void check_slots(bool force) {
    const VolumeConfig& config = plan_.config;
    std::array<bool, kMaxRaidDevices> taken{};
    std::array<bool, kMaxRaidDevices> missing{};
    for (std::uint32_t disk = 0; disk < config.raid_devices; ++disk) missing[disk] = true;
    for (std::size_t i = 0; i < plan_.table.size(); ++i) {
      DeviceEntry& e = plan_.table[i].entry;
      if (e.state != DeviceState::in_sync && e.state != DeviceState::rebuilding) continue;
      if (taken[e.role]) {
        fatal(PlanNote::kVolume, raid_errc::bad_superblock,
              "device table lists two members in slot " + std::to_string(e.role));
        return;
      }
      taken[e.role] = true;
      if (!present_[i]) {
        note(PlanNote::kVolume, "slot " + std::to_string(e.role) + ": member " + e.uuid.to_string() + " is missing");
        e.state = DeviceState::faulty;
      } else if (e.state == DeviceState::in_sync) {
        missing[e.role] = false;
      }
    }
    const Layout layout(config.level, config.raid_devices, config.chunk_blocks, config.rows);
    if (!layout.survives(std::span(missing).first(config.raid_devices))) {
      fatal(PlanNote::kVolume, raid_errc::too_many_missing,
            "too many members missing for " + std::string(level_name(config.level)) + "; not started");
      return;
    }
    plan_.degraded = std::any_of(missing.begin(), missing.begin() + config.raid_devices, [](bool b) { return b; });
    if (!config.clean && plan_.degraded && layout.is_parity()) {
      if (!force) {
        fatal(PlanNote::kVolume, raid_errc::dirty_degraded,
              "volume was not shut down cleanly and is degraded: rows being written at the crash may "
              "reconstruct wrongly for the missing member; not started (force to start anyway)");
        return;
      }
      note(PlanNote::kVolume, "starting a dirty degraded volume because forced: rows torn by the crash cannot be resynced");
    }
  }

  const std::vector<MemberView>& views_;
  std::vector<bool> usable_;
  std::vector<bool> present_;  // per device table entry
  AssemblyPlan plan_;
};

}  // namespace

VolumeConfig config_of(const Superblock& sb) noexcept {
  VolumeConfig c;
  c.uuid = sb.volume_uuid;
  c.level = sb.level;
  c.raid_devices = sb.raid_devices;
  c.block_size = sb.block_size;
  c.chunk_blocks = sb.chunk_blocks;
  c.rows = sb.rows;
  c.bitmap_region_rows = sb.bitmap_region_rows;
  c.bitmap_bits = sb.bitmap_bits;
  c.ctime = sb.ctime;
  c.events = sb.events;
  c.clean = sb.clean;
  return c;
}

AssemblyPlan plan_assembly(const std::vector<MemberView>& views, bool force) { return Planner(views).run(force); }

}  // namespace uiscsi::target::raid::detail
