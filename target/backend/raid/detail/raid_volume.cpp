#include "target/backend/raid/detail/raid_volume.h"

#include "target/backend/raid/detail/aligned_buffer.h"
#include "target/backend/raid/raid_error.h"

namespace uiscsi::target::raid::detail {
namespace {

std::unique_ptr<Engine> make_engine(Level level, Volume& volume) {
  switch (level) {
    case Level::raid0: return make_stripe_engine(volume);
    case Level::raid5:
    case Level::raid6: return make_parity_engine(volume);
    case Level::raid1:
    case Level::raid10: break;
  }
  return make_mirror_engine(volume);
}

}  // namespace

RaidVolume::RaidVolume(const VolumeConfig& config, std::vector<Device> devices,
                       std::vector<std::unique_ptr<Member>> members, const RuntimeOptions& options)
    : config_(config),
      options_(options),
      layout_(config.level, config.raid_devices, config.chunk_blocks, config.rows),
      geometry_{config.block_size, layout_.capacity_blocks()},
      volume_(layout_, config.block_size, kMetadataBytes / config.block_size, *this),
      members_(std::move(members)),
      devices_(std::move(devices)),
      events_(config.events),
      clean_(config.clean) {
  features_.non_rotational = true;
  for (const auto& m : members_) {
    const Features f = m->backend->features();
    features_.volatile_write_cache = features_.volatile_write_cache || f.volatile_write_cache;
    features_.non_rotational = features_.non_rotational && f.non_rotational;
  }
  for (const auto& d : devices_) {
    const DeviceState s = d.entry.state;
    if (d.member != nullptr && (s == DeviceState::in_sync || s == DeviceState::rebuilding))
      volume_.set_slot(d.entry.role, d.member);
  }
  if (config.level != Level::raid0) {
    bitmap_ = std::make_unique<WriteIntentBitmap>(config.bitmap_bits, config.bitmap_region_rows,
                                                  metadata_unit_bytes(config.block_size),
                                                  static_cast<BitmapStore&>(*this));
    volume_.set_bitmap(bitmap_.get());
  }
  engine_ = make_engine(config.level, volume_);
}

RaidVolume::~RaidVolume() { (void)close(); }

std::error_code RaidVolume::start(std::vector<std::string>& messages) {
  if (bitmap_) {
    // Any in-sync member may hold the only copy of a set bit (a page write that reached
    // some members before a crash), so the bitmaps are merged.
    const std::size_t unit = metadata_unit_bytes(config_.block_size);
    const std::size_t bytes = bitmap_->pages() * bitmap_->page_bytes();
    AlignedBuffer image(bytes);
    if (!image.ok()) return std::make_error_code(std::errc::not_enough_memory);
    for (const auto& d : devices_) {
      if (d.member == nullptr || d.entry.state != DeviceState::in_sync) continue;
      if (auto ec = d.member->backend->read(unit / config_.block_size, std::span(image.data(), bytes))) {
        member_failed(*d.member, ec);
        continue;
      }
      bitmap_->merge(std::span(image.data(), bytes));
    }
    if (!clean_) {
      if (auto ec = resync_dirty_regions(messages)) return ec;
    }
  }
  {
    std::lock_guard lock(meta_mutex_);
    if (config_.level != Level::raid0) activate_spares_locked();
    clean_ = false;
    if (auto ec = write_superblocks_locked()) return ec;
  }
  worker_ = std::thread([this] { worker_main(); });
  started_ = true;
  if (options_.auto_rebuild) request_rebuild();
  return {};
}

std::error_code RaidVolume::flush() noexcept {
  auto ec = flush_members();
  if (!survives(nullptr)) return ec ? ec : volume_io_error();
  return {};
}

std::error_code RaidVolume::clean_bitmap() {
  if (!bitmap_) return {};
  return bitmap_->sweep();
}

std::error_code RaidVolume::close() {
  if (closed_.exchange(true)) return {};
  stop_worker();
  // A volume that never started leaves its members exactly as assembly found them.
  if (!started_) return {};
  // Clean only if everything written is stable and the bitmap says so; otherwise the
  // next assembly resyncs what the bitmap still marks.
  std::error_code ec = bitmap_ ? bitmap_->clear_all() : flush_members();
  std::lock_guard lock(meta_mutex_);
  clean_ = !ec;
  auto sb = write_superblocks_locked();
  return ec ? ec : sb;
}

std::error_code RaidVolume::store_bitmap_page(std::uint64_t page, std::span<const std::byte> bytes) noexcept {
  const std::uint64_t lba = (metadata_unit_bytes(config_.block_size) + page * bytes.size()) / config_.block_size;
  std::uint32_t stored = 0;
  for (std::uint32_t disk = 0; disk < layout_.raid_devices(); ++disk) {
    Member* m = volume_.slot(disk);
    if (m == nullptr || !m->writable()) continue;
    if (auto ec = m->backend->write(lba, bytes, true)) {
      member_failed(*m, ec);
    } else {
      ++stored;
    }
  }
  return stored > 0 ? std::error_code{} : volume_io_error();
}

std::error_code RaidVolume::flush_members() noexcept {
  std::uint32_t flushed = 0;
  for (std::uint32_t disk = 0; disk < layout_.raid_devices(); ++disk) {
    Member* m = volume_.slot(disk);
    if (m == nullptr || !m->writable()) continue;
    if (auto ec = m->backend->flush()) {
      member_failed(*m, ec);
    } else {
      ++flushed;
    }
  }
  return flushed > 0 ? std::error_code{} : volume_io_error();
}

}  // namespace uiscsi::target::raid::detail
