#include "target/backend/raid/raid_backend.h"

#include <algorithm>

#include "target/backend/detail/range_check.h"
#include "target/backend/raid/detail/aligned_buffer.h"
#include "target/backend/raid/detail/assembly.h"
#include "target/backend/raid/detail/raid_volume.h"
#include "target/backend/raid/raid_error.h"

namespace uiscsi::target::raid {
namespace {

// write_zeroes() writes this much at a time.
constexpr std::size_t kZeroBufferBytes = 1024 * 1024;

}  // namespace

RaidBackend::RaidBackend(std::unique_ptr<detail::RaidVolume> volume) noexcept : volume_(std::move(volume)) {}

RaidBackend::~RaidBackend() = default;

std::unique_ptr<RaidBackend> RaidBackend::create(std::vector<MemberDevice> members, const CreateOptions& options,
                                                 const RuntimeOptions& runtime, std::error_code& ec) {
  if ((ec = detail::format_members(members, options))) return nullptr;
  std::vector<std::string> messages;
  auto volume = detail::assemble_volume(std::move(members), runtime, messages, ec);
  if (!volume) return nullptr;
  return std::unique_ptr<RaidBackend>(new RaidBackend(std::move(volume)));
}

std::unique_ptr<RaidBackend> RaidBackend::assemble(std::vector<MemberDevice> members, const RuntimeOptions& runtime,
                                                   std::vector<std::string>& messages, std::error_code& ec) {
  auto volume = detail::assemble_volume(std::move(members), runtime, messages, ec);
  if (!volume) return nullptr;
  return std::unique_ptr<RaidBackend>(new RaidBackend(std::move(volume)));
}

Geometry RaidBackend::geometry() const noexcept { return volume_->geometry(); }

Features RaidBackend::features() const noexcept { return volume_->features(); }

std::error_code RaidBackend::read(std::uint64_t lba, std::span<std::byte> out) {
  if (volume_->closed()) return raid_errc::closed;
  if (auto ec = target::detail::check_io(volume_->geometry(), lba, out.size())) return ec;
  return volume_->read(lba, out);
}

std::error_code RaidBackend::write(std::uint64_t lba, std::span<const std::byte> in, bool fua) {
  if (volume_->closed()) return raid_errc::closed;
  if (auto ec = target::detail::check_io(volume_->geometry(), lba, in.size())) return ec;
  return volume_->write(lba, in, fua);
}

std::error_code RaidBackend::flush() {
  if (volume_->closed()) return raid_errc::closed;
  return volume_->flush();
}

std::error_code RaidBackend::unmap(std::uint64_t, std::uint64_t) { return backend_errc::not_supported; }

std::error_code RaidBackend::write_zeroes(std::uint64_t lba, std::uint64_t blocks, bool fua) {
  if (volume_->closed()) return raid_errc::closed;
  const Geometry g = volume_->geometry();
  if (!target::detail::in_range(g, lba, blocks)) return backend_errc::out_of_range;
  const std::uint64_t per_write = std::min<std::uint64_t>(blocks, kZeroBufferBytes / g.block_size);
  detail::AlignedBuffer zeroes(per_write * g.block_size);
  if (!zeroes.ok() && per_write > 0) return std::make_error_code(std::errc::not_enough_memory);
  std::fill_n(zeroes.data(), zeroes.size(), std::byte{0});
  for (std::uint64_t done = 0; done < blocks;) {
    const std::uint64_t n = std::min(per_write, blocks - done);
    if (auto ec = volume_->write(lba + done, std::span(zeroes.data(), n * g.block_size), fua)) return ec;
    done += n;
  }
  return {};
}

// Members are not thin, as far as the volume knows: everything is mapped.
std::error_code RaidBackend::provisioning_status(std::uint64_t lba, Extent& out) {
  const Geometry g = volume_->geometry();
  if (lba >= g.block_count) return backend_errc::out_of_range;
  out = {lba, g.block_count - lba, ProvisioningState::mapped};
  return {};
}

VolumeStatus RaidBackend::status() const { return volume_->status(); }

std::error_code RaidBackend::fail_member(std::uint32_t device_number) {
  if (volume_->closed()) return raid_errc::closed;
  return volume_->fail_member(device_number);
}

std::error_code RaidBackend::remove_member(std::uint32_t device_number) {
  if (volume_->closed()) return raid_errc::closed;
  return volume_->remove_member(device_number);
}

std::error_code RaidBackend::add_member(MemberDevice device, bool overwrite_foreign) {
  if (volume_->closed()) return raid_errc::closed;
  const detail::VolumeConfig& config = volume_->config();
  const Geometry g = device.backend->geometry();
  if (g.block_size != config.block_size || g.block_count < detail::member_blocks_needed(config))
    return raid_errc::member_mismatch;
  std::optional<std::uint32_t> reuse;
  Uuid uuid;
  Superblock old;
  const bool has_superblock = !detail::read_superblock(*device.backend, old);
  if (has_superblock && old.volume_uuid == config.uuid) {
    // A member of this volume coming back (stale, or failed and removed): same identity,
    // same table entry when it still has one; its data is rebuilt from scratch.
    reuse = volume_->device_with_uuid(old.device_uuid);
    uuid = old.device_uuid;
  } else {
    if (has_superblock && !overwrite_foreign) return raid_errc::foreign_member;
    std::error_code ec;
    uuid = Uuid::generate(ec);
    if (ec) return ec;
  }
  auto member = std::make_unique<detail::Member>();
  member->name = std::move(device.name);
  member->backend = std::move(device.backend);
  member->uuid = uuid;
  return volume_->add_member(std::move(member), reuse);
}

void RaidBackend::start_rebuild() { volume_->start_rebuild(); }

RebuildProgress RaidBackend::rebuild_progress() const { return volume_->rebuild_progress(); }

std::error_code RaidBackend::wait_for_rebuild() { return volume_->wait_for_rebuild(); }

std::error_code RaidBackend::scrub(bool repair, ScrubReport& report,
                                   const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  if (volume_->closed()) return raid_errc::closed;
  return volume_->scrub(repair, report, progress);
}

std::error_code RaidBackend::clean_bitmap() {
  if (volume_->closed()) return raid_errc::closed;
  return volume_->clean_bitmap();
}

std::error_code RaidBackend::close() { return volume_->close(); }

}  // namespace uiscsi::target::raid
