// Assembling a volume from members in any order: superblocks are read, checked against
// each other (one volume, same geometry, no duplicates), stale members are left out, and
// the freshest superblock's device table decides who holds which slot.
#include <algorithm>
#include <map>

#include "target/backend/raid/detail/aligned_buffer.h"
#include "target/backend/raid/detail/assembly.h"
#include "target/backend/raid/raid_error.h"

namespace uiscsi::target::raid::detail {
namespace {

struct Candidate {
  MemberDevice device;
  Superblock sb;
};

bool same_geometry(const Superblock& a, const Superblock& b) noexcept {
  return a.level == b.level && a.raid_devices == b.raid_devices && a.block_size == b.block_size &&
         a.chunk_blocks == b.chunk_blocks && a.rows == b.rows && a.bitmap_region_rows == b.bitmap_region_rows &&
         a.bitmap_bits == b.bitmap_bits;
}

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

// The volume UUID most members carry (the first one seen on a tie).
Uuid majority_volume(const std::vector<Candidate>& candidates) {
  std::map<std::string, std::size_t> votes;
  Uuid best = candidates.front().sb.volume_uuid;
  std::size_t best_votes = 0;
  for (const auto& c : candidates) {
    const std::size_t v = ++votes[c.sb.volume_uuid.to_string()];
    if (v > best_votes) {
      best_votes = v;
      best = c.sb.volume_uuid;
    }
  }
  return best;
}

std::unique_ptr<RaidVolume> fail(std::error_code& ec, std::error_code why, std::vector<std::string>& messages,
                                 std::string line) {
  ec = why;
  messages.push_back(std::move(line));
  return nullptr;
}

}  // namespace

std::error_code read_superblock(Backend& backend, Superblock& out) {
  const Geometry g = backend.geometry();
  const std::size_t unit = metadata_unit_bytes(g.block_size);
  if (g.block_count * g.block_size < unit) return raid_errc::not_a_member;
  AlignedBuffer buffer(unit);
  if (!buffer.ok()) return std::make_error_code(std::errc::not_enough_memory);
  if (auto ec = backend.read(0, std::span(buffer.data(), unit))) return ec;
  return decode(std::span<const std::byte>(buffer.data(), unit), out);
}

std::uint64_t member_blocks_needed(const VolumeConfig& config) noexcept {
  return kMetadataBytes / config.block_size + config.rows * config.chunk_blocks;
}

std::unique_ptr<RaidVolume> assemble_volume(std::vector<MemberDevice> devices, const RuntimeOptions& options,
                                            std::vector<std::string>& messages, std::error_code& ec) {
  ec.clear();
  if (devices.empty()) return fail(ec, raid_errc::invalid_config, messages, "no members given");

  std::vector<Candidate> candidates;
  for (auto& d : devices) {
    Superblock sb;
    if (auto e = read_superblock(*d.backend, sb))
      return fail(ec, e, messages, d.name + ": cannot use it: " + e.message());
    candidates.push_back({std::move(d), std::move(sb)});
  }

  const Uuid volume = majority_volume(candidates);
  for (const auto& c : candidates) {
    if (c.sb.volume_uuid != volume)
      return fail(ec, raid_errc::foreign_member, messages,
                  c.device.name + ": belongs to volume " + c.sb.volume_uuid.to_string() + ", not " +
                      volume.to_string() + " like the other members; refusing to assemble");
  }
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (!same_geometry(candidates[i].sb, candidates[0].sb))
      return fail(ec, raid_errc::bad_superblock, messages,
                  candidates[i].device.name + ": superblock geometry differs from " + candidates[0].device.name + "'s");
    for (std::size_t j = 0; j < i; ++j) {
      if (candidates[i].sb.device_uuid == candidates[j].sb.device_uuid)
        return fail(ec, raid_errc::duplicate_member, messages,
                    candidates[i].device.name + " and " + candidates[j].device.name + " are the same member");
    }
  }

  // Only the members that saw the latest change count; the freshest superblock is the
  // authority for the device table.
  std::uint64_t events = 0;
  for (const auto& c : candidates) events = std::max(events, c.sb.events);
  const Superblock* ref = nullptr;
  for (const auto& c : candidates) {
    if (c.sb.events == events) {
      ref = &c.sb;
      break;
    }
  }
  const Superblock authority = *ref;
  const VolumeConfig config = config_of(authority);

  std::vector<Device> table(authority.devices.size());
  for (std::size_t i = 0; i < table.size(); ++i) table[i].entry = authority.devices[i];
  std::vector<std::unique_ptr<Member>> members;
  for (auto& c : candidates) {
    const std::string& name = c.device.name;
    if (c.sb.events < events) {
      messages.push_back(name + ": stale (event count " + std::to_string(c.sb.events) + ", volume at " +
                         std::to_string(events) + "): left out; add it again to rebuild it");
      continue;
    }
    const std::uint32_t number = c.sb.this_device;
    if (number >= table.size() || table[number].entry.uuid != c.sb.device_uuid ||
        table[number].entry.state == DeviceState::empty) {
      messages.push_back(name + ": not in the volume's device table (removed): left out");
      continue;
    }
    const Geometry g = c.device.backend->geometry();
    if (g.block_size != config.block_size || g.block_count < member_blocks_needed(config))
      return fail(ec, raid_errc::member_mismatch, messages,
                  name + ": block size or size does not match its superblock");
    const DeviceEntry& e = table[number].entry;
    auto m = std::make_unique<Member>();
    m->name = name;
    m->backend = std::move(c.device.backend);
    m->uuid = c.sb.device_uuid;
    m->device_number = number;
    m->role.store(e.role);
    m->state.store(e.state);
    m->rebuilt_rows.store(e.state == DeviceState::rebuilding ? e.rebuilt_rows : 0);
    table[number].member = m.get();
    members.push_back(std::move(m));
  }

  // Slots: one holder each; absent holders are recorded as faulty.
  std::array<bool, kMaxRaidDevices> taken{};
  std::array<bool, kMaxRaidDevices> missing{};
  for (std::uint32_t disk = 0; disk < config.raid_devices; ++disk) missing[disk] = true;
  for (std::size_t i = 0; i < table.size(); ++i) {
    DeviceEntry& e = table[i].entry;
    if (e.state != DeviceState::in_sync && e.state != DeviceState::rebuilding) continue;
    if (taken[e.role])
      return fail(ec, raid_errc::bad_superblock, messages, "device table lists two members in slot " + std::to_string(e.role));
    taken[e.role] = true;
    if (table[i].member == nullptr) {
      messages.push_back("slot " + std::to_string(e.role) + ": member " + e.uuid.to_string() + " is missing");
      e.state = DeviceState::faulty;
    } else if (e.state == DeviceState::in_sync) {
      missing[e.role] = false;
    }
  }
  const Layout layout(config.level, config.raid_devices, config.chunk_blocks, config.rows);
  if (!layout.survives(std::span(missing).first(config.raid_devices)))
    return fail(ec, raid_errc::too_many_missing, messages,
                "too many members missing for " + std::string(level_name(config.level)) + "; not started");
  const bool degraded = std::any_of(missing.begin(), missing.begin() + config.raid_devices, [](bool b) { return b; });
  if (!config.clean && degraded && layout.is_parity()) {
    if (!options.force)
      return fail(ec, raid_errc::dirty_degraded, messages,
                  "volume was not shut down cleanly and is degraded: rows being written at the crash may "
                  "reconstruct wrongly for the missing member; not started (force to start anyway)");
    messages.push_back("starting a dirty degraded volume because forced: rows torn by the crash cannot be resynced");
  }

  auto volume_ptr = std::make_unique<RaidVolume>(config, std::move(table), std::move(members), options);
  if (auto e = volume_ptr->start(messages)) {
    ec = e;
    return nullptr;
  }
  return volume_ptr;
}

}  // namespace uiscsi::target::raid::detail
