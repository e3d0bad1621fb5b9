// Assembling a volume: every member's superblock is read, plan_assembly() decides, and the
// members it keeps start the volume.
#include "target/backend/raid/detail/aligned_buffer.h"
#include "target/backend/raid/detail/assembly.h"
#include "target/backend/raid/detail/assembly_plan.h"
#include "target/backend/raid/raid_error.h"

namespace uiscsi::target::raid::detail {

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
  std::vector<MemberView> views;
  for (auto& d : devices) {
    MemberView v;
    v.name = d.name;
    v.geometry = d.backend->geometry();
    v.read_error = read_superblock(*d.backend, v.sb);
    views.push_back(std::move(v));
  }
  AssemblyPlan plan = plan_assembly(views, options.force);
  for (auto& n : plan.notes) messages.push_back(std::move(n.text));
  if (plan.error) {
    ec = plan.error;
    return nullptr;
  }

  std::vector<std::unique_ptr<Member>> members;
  for (std::size_t i = 0; i < devices.size(); ++i) {
    if (!plan.joins[i]) continue;  // left out: its backend closes with `devices`
    const std::uint32_t number = views[i].sb.this_device;
    const DeviceEntry& e = plan.table[number].entry;
    auto m = std::make_unique<Member>();
    m->name = devices[i].name;
    m->backend = std::move(devices[i].backend);
    m->uuid = views[i].sb.device_uuid;
    m->device_number = number;
    m->role.store(e.role);
    m->state.store(e.state);
    m->rebuilt_rows.store(e.state == DeviceState::rebuilding ? e.rebuilt_rows : 0);
    plan.table[number].member = m.get();
    members.push_back(std::move(m));
  }
  auto volume = std::make_unique<RaidVolume>(plan.config, std::move(plan.table), std::move(members), options);
  if (auto e = volume->start(messages)) {
    ec = e;
    return nullptr;
  }
  return volume;
}

}  // namespace uiscsi::target::raid::detail
