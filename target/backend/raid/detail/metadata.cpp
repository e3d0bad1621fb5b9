// Member state changes and the superblocks that record them.
#include <chrono>
#include <cstring>

#include "target/backend/raid/detail/aligned_buffer.h"
#include "target/backend/raid/detail/raid_volume.h"
#include "target/backend/raid/raid_error.h"

namespace uiscsi::target::raid::detail {
namespace {

constexpr std::size_t kLogLines = 32;

std::uint64_t now_seconds() noexcept {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

bool holds_slot(DeviceState s) noexcept { return s == DeviceState::in_sync || s == DeviceState::rebuilding; }

}  // namespace

void RaidVolume::member_failed(Member& member, std::error_code ec) noexcept {
  mark_faulty(member, "I/O error: " + ec.message());
}

void RaidVolume::mark_faulty(Member& member, const std::string& reason) noexcept {
  // RAID 0 has nothing to fail over to: errors go back to the caller and the member stays.
  if (config_.level == Level::raid0) return;
  DeviceState s = member.state.load();
  do {
    if (s == DeviceState::faulty || s == DeviceState::empty) return;
  } while (!member.state.compare_exchange_weak(s, DeviceState::faulty));
  bool moved = false;
  {
    std::lock_guard lock(meta_mutex_);
    log_locked(member.name + " faulty (" + reason + ")");
    moved = activate_spares_locked();
    (void)write_superblocks_locked();
  }
  if (moved && options_.auto_rebuild) request_rebuild();
}

void RaidVolume::log_locked(std::string line) {
  if (log_.size() == kLogLines) log_.pop_front();
  log_.push_back(std::move(line));
}

bool RaidVolume::activate_spares_locked() {
  bool moved = false;
  for (std::uint32_t disk = 0; disk < layout_.raid_devices(); ++disk) {
    const Member* current = volume_.slot(disk);
    if (current != nullptr && holds_slot(current->state.load())) continue;
    Member* spare = nullptr;
    for (auto& d : devices_) {
      if (d.member != nullptr && d.member->state.load() == DeviceState::spare) {
        spare = d.member;
        break;
      }
    }
    if (spare == nullptr) break;
    // Order matters for the lock-free data path: watermark and role first, then the state
    // that makes them count, then the slot.
    spare->rebuilt_rows.store(0);
    spare->role.store(static_cast<std::uint16_t>(disk));
    spare->state.store(DeviceState::rebuilding, std::memory_order_release);
    volume_.set_slot(disk, spare);
    log_locked(spare->name + " takes slot " + std::to_string(disk) + ", rebuilding");
    moved = true;
  }
  return moved;
}

std::uint32_t RaidVolume::slots_out_of_sync() const noexcept {
  std::uint32_t missing = 0;
  for (std::uint32_t disk = 0; disk < layout_.raid_devices(); ++disk) {
    const Member* m = volume_.slot(disk);
    if (m == nullptr || m->state.load() != DeviceState::in_sync) ++missing;
  }
  return missing;
}

bool RaidVolume::survives(const Member* without) const noexcept {
  std::array<bool, kMaxRaidDevices> missing{};
  for (std::uint32_t disk = 0; disk < layout_.raid_devices(); ++disk) {
    const Member* m = volume_.slot(disk);
    missing[disk] = m == nullptr || m == without || m->state.load() != DeviceState::in_sync;
  }
  return layout_.survives(std::span(missing).first(layout_.raid_devices()));
}

Superblock RaidVolume::superblock_for_locked(const Member& member) const {
  Superblock sb;
  sb.volume_uuid = config_.uuid;
  sb.device_uuid = member.uuid;
  sb.level = config_.level;
  sb.raid_devices = config_.raid_devices;
  sb.block_size = config_.block_size;
  sb.chunk_blocks = config_.chunk_blocks;
  sb.data_offset_blocks = kMetadataBytes / config_.block_size;
  sb.rows = config_.rows;
  sb.events = events_;
  sb.clean = clean_;
  sb.this_device = member.device_number;
  sb.bitmap_region_rows = config_.bitmap_region_rows;
  sb.bitmap_bits = config_.bitmap_bits;
  sb.ctime = config_.ctime;
  sb.utime = now_seconds();
  sb.devices.reserve(devices_.size());
  for (const auto& d : devices_) sb.devices.push_back(d.entry);
  return sb;
}

std::error_code RaidVolume::write_superblocks_locked() {
  const std::size_t unit = metadata_unit_bytes(config_.block_size);
  AlignedBuffer buffer(unit);
  if (!buffer.ok()) return std::make_error_code(std::errc::not_enough_memory);
  // Each pass either writes every live member or loses one more member to a failure, so
  // the loop ends.
  for (std::size_t pass = 0; pass <= devices_.size(); ++pass) {
    for (auto& d : devices_) {
      if (d.member == nullptr) continue;
      d.entry.role = d.member->role.load();
      d.entry.state = d.member->state.load();
      d.entry.rebuilt_rows = d.entry.state == DeviceState::rebuilding ? d.member->rebuilt_rows.load() : 0;
    }
    ++events_;
    std::uint32_t written = 0;
    bool lost_one = false;
    for (auto& d : devices_) {
      Member* m = d.member;
      if (m == nullptr || d.entry.state == DeviceState::faulty) continue;
      const auto sb = encode(superblock_for_locked(*m));
      std::memset(buffer.data(), 0, unit);
      std::memcpy(buffer.data(), sb.data(), sb.size());
      if (auto ec = m->backend->write(0, std::span(buffer.data(), unit), true)) {
        DeviceState s = m->state.load();
        if (s != DeviceState::faulty && m->state.compare_exchange_strong(s, DeviceState::faulty)) {
          log_locked(m->name + " faulty (superblock write: " + ec.message() + ")");
          lost_one = true;
        }
      } else {
        ++written;
      }
    }
    if (!lost_one) return written > 0 ? std::error_code{} : volume_io_error();
    activate_spares_locked();
  }
  return volume_io_error();
}

std::optional<std::uint32_t> RaidVolume::device_with_uuid(const Uuid& uuid) const {
  std::lock_guard lock(meta_mutex_);
  for (std::uint32_t i = 0; i < devices_.size(); ++i)
    if (devices_[i].entry.state != DeviceState::empty && devices_[i].entry.uuid == uuid) return i;
  return std::nullopt;
}

std::error_code RaidVolume::fail_member(std::uint32_t device_number) {
  if (config_.level == Level::raid0) return raid_errc::no_redundancy;
  Member* m = nullptr;
  {
    std::lock_guard lock(meta_mutex_);
    if (device_number >= devices_.size() || devices_[device_number].member == nullptr) return raid_errc::no_such_member;
    m = devices_[device_number].member;
    const DeviceState s = m->state.load();
    if (s == DeviceState::faulty || s == DeviceState::empty) return raid_errc::no_such_member;
    if (s == DeviceState::in_sync && !survives(m)) return raid_errc::member_busy;
  }
  mark_faulty(*m, "failed by request");
  return {};
}

std::error_code RaidVolume::remove_member(std::uint32_t device_number) {
  std::lock_guard lock(meta_mutex_);
  if (device_number >= devices_.size() || devices_[device_number].entry.state == DeviceState::empty)
    return raid_errc::no_such_member;
  Device& d = devices_[device_number];
  if (Member* m = d.member) {
    const DeviceState s = m->state.load();
    if (s != DeviceState::faulty && s != DeviceState::spare) return raid_errc::member_busy;
    // The member object stays alive (members_) for any reader still holding the pointer.
    m->state.store(DeviceState::faulty);
    const std::uint16_t role = m->role.load();
    if (role < layout_.raid_devices() && volume_.slot(role) == m) volume_.set_slot(role, nullptr);
    log_locked(m->name + " removed");
  } else if (d.entry.state != DeviceState::faulty && d.entry.state != DeviceState::spare) {
    return raid_errc::member_busy;
  } else {
    log_locked("device " + std::to_string(device_number) + " removed");
  }
  d = Device{};
  return write_superblocks_locked();
}

std::error_code RaidVolume::add_member(std::unique_ptr<Member> member, std::optional<std::uint32_t> reuse_device) {
  if (config_.level == Level::raid0) return raid_errc::no_redundancy;
  bool moved = false;
  {
    std::lock_guard lock(meta_mutex_);
    std::uint32_t number = 0;
    if (reuse_device) {
      number = *reuse_device;
      if (number >= devices_.size()) return raid_errc::no_such_member;
      const Device& old = devices_[number];
      const DeviceState s = old.member != nullptr ? old.member->state.load() : old.entry.state;
      if (s != DeviceState::faulty && s != DeviceState::empty) return raid_errc::duplicate_member;
      if (old.member != nullptr) {
        const std::uint16_t role = old.member->role.load();
        if (role < layout_.raid_devices() && volume_.slot(role) == old.member) volume_.set_slot(role, nullptr);
      }
    } else {
      number = static_cast<std::uint32_t>(devices_.size());
      for (std::uint32_t i = 0; i < devices_.size(); ++i) {
        if (devices_[i].entry.state == DeviceState::empty) {
          number = i;
          break;
        }
      }
      if (number == kMaxDevices) return raid_errc::too_many_members;
      if (number == devices_.size()) devices_.emplace_back();
    }
    member->device_number = number;
    member->role.store(kNoRole);
    member->rebuilt_rows.store(0);
    member->state.store(DeviceState::spare);
    devices_[number] = Device{DeviceEntry{member->uuid, kNoRole, DeviceState::spare, 0}, member.get()};
    log_locked(member->name + " added");
    members_.push_back(std::move(member));
    moved = activate_spares_locked();
    if (auto ec = write_superblocks_locked()) return ec;
  }
  if (moved && options_.auto_rebuild) request_rebuild();
  return {};
}

VolumeStatus RaidVolume::status() const {
  VolumeStatus st;
  st.uuid = config_.uuid;
  st.level = config_.level;
  st.raid_devices = config_.raid_devices;
  st.block_size = config_.block_size;
  st.chunk_bytes = std::uint64_t{config_.chunk_blocks} * config_.block_size;
  st.capacity_blocks = geometry_.block_count;
  st.member_data_bytes = config_.rows * st.chunk_bytes;
  st.rebuild = rebuild_progress();
  if (bitmap_) {
    st.bitmap_bits = bitmap_->bits();
    st.bitmap_dirty = bitmap_->set_count();
    st.bitmap_region_bytes = bitmap_->region_rows() * st.chunk_bytes;
  }
  std::lock_guard lock(meta_mutex_);
  st.events = events_;
  st.clean = clean_;
  st.degraded = slots_out_of_sync() > 0;
  st.failed = !survives(nullptr);
  for (std::uint32_t i = 0; i < devices_.size(); ++i) {
    const Device& d = devices_[i];
    if (d.entry.state == DeviceState::empty) continue;
    MemberStatus ms;
    ms.device_number = i;
    ms.uuid = d.entry.uuid;
    ms.role = d.entry.role;
    ms.state = d.entry.state;
    ms.rebuilt_rows = d.entry.rebuilt_rows;
    if (const Member* m = d.member) {
      ms.present = true;
      ms.name = m->name;
      ms.role = m->role.load();
      ms.state = m->state.load();
      ms.rebuilt_rows = ms.state == DeviceState::rebuilding ? m->rebuilt_rows.load() : 0;
    }
    st.members.push_back(std::move(ms));
  }
  st.log.assign(log_.begin(), log_.end());
  return st;
}

}  // namespace uiscsi::target::raid::detail
