#include "target/backend/raid/write_intent_bitmap.h"

#include <algorithm>
#include <set>

namespace uiscsi::target::raid {

WriteIntentBitmap::WriteIntentBitmap(std::uint64_t bits, std::uint64_t region_rows, std::size_t page_bytes,
                                     BitmapStore& store)
    : bits_(bits),
      region_rows_(region_rows),
      page_bytes_(page_bytes),
      store_(store),
      regions_(new Region[bits]),
      image_(((bits + 7) / 8 + page_bytes - 1) / page_bytes * page_bytes) {}

void WriteIntentBitmap::merge(std::span<const std::byte> image) noexcept {
  std::lock_guard lock(mutex_);
  for (std::uint64_t b = 0; b < bits_ && b / 8 < image.size(); ++b) {
    if (std::to_integer<unsigned>(image[b / 8] >> (b % 8)) & 1u) {
      set_image_bit(b, true);
      regions_[b].set.store(true);
    }
  }
}

std::error_code WriteIntentBitmap::start_write(std::uint64_t row) noexcept {
  Region& r = regions_[region_of(row)];
  r.inflight.fetch_add(1);  // seq_cst: pairs with the sweeper's store to `set`
  r.touched.store(true, std::memory_order_relaxed);
  if (r.set.load()) return {};
  std::lock_guard lock(mutex_);
  if (!r.set.load()) {
    const std::uint64_t bit = region_of(row);
    set_image_bit(bit, true);
    if (auto ec = store_.store_bitmap_page(bit / 8 / page_bytes_, page_of(bit))) {
      set_image_bit(bit, false);
      r.inflight.fetch_sub(1);
      return ec;
    }
    r.set.store(true);
  }
  return {};
}

void WriteIntentBitmap::end_write(std::uint64_t row) noexcept { regions_[region_of(row)].inflight.fetch_sub(1); }

std::error_code WriteIntentBitmap::sweep() noexcept {
  std::lock_guard lock(mutex_);
  std::vector<std::uint64_t> cleared;
  for (std::uint64_t b = 0; b < bits_; ++b) {
    Region& r = regions_[b];
    if (!r.set.load(std::memory_order_relaxed)) continue;
    if (r.touched.exchange(false, std::memory_order_relaxed)) continue;  // not quiet for a whole period yet
    r.set.store(false);  // seq_cst: a writer that counts itself in from now on sees it
    if (r.inflight.load() != 0) {
      r.set.store(true);
      continue;
    }
    cleared.push_back(b);
  }
  if (cleared.empty()) return {};
  // Every write to a cleared region has completed; make them stable before the bit that
  // covers them disappears from the disk.
  if (auto ec = store_.flush_members()) {
    for (auto b : cleared) regions_[b].set.store(true);
    return ec;
  }
  std::set<std::uint64_t> pages;
  for (auto b : cleared) {
    set_image_bit(b, false);
    pages.insert(b / 8 / page_bytes_);
  }
  // A cleared bit that fails to reach the disk costs only a longer resync after a crash.
  std::error_code first;
  for (auto page : pages) {
    auto ec = store_.store_bitmap_page(page, std::span(image_).subspan(page * page_bytes_, page_bytes_));
    if (ec && !first) first = ec;
  }
  return first;
}

std::error_code WriteIntentBitmap::clear_all() noexcept {
  std::lock_guard lock(mutex_);
  if (auto ec = store_.flush_members()) return ec;
  std::fill(image_.begin(), image_.end(), std::byte{0});
  for (std::uint64_t b = 0; b < bits_; ++b) {
    regions_[b].set.store(false);
    regions_[b].touched.store(false, std::memory_order_relaxed);
  }
  for (std::uint64_t page = 0; page < pages(); ++page) {
    if (auto ec = store_.store_bitmap_page(page, std::span(image_).subspan(page * page_bytes_, page_bytes_))) return ec;
  }
  return {};
}

std::vector<std::uint64_t> WriteIntentBitmap::set_regions() const {
  std::vector<std::uint64_t> out;
  for (std::uint64_t b = 0; b < bits_; ++b)
    if (regions_[b].set.load(std::memory_order_relaxed)) out.push_back(b);
  return out;
}

std::uint64_t WriteIntentBitmap::set_count() const noexcept {
  std::uint64_t n = 0;
  for (std::uint64_t b = 0; b < bits_; ++b) n += regions_[b].set.load(std::memory_order_relaxed) ? 1 : 0;
  return n;
}

std::vector<std::byte> WriteIntentBitmap::image() const {
  std::lock_guard lock(mutex_);
  return image_;
}

void WriteIntentBitmap::set_image_bit(std::uint64_t bit, bool value) noexcept {
  const auto mask = static_cast<std::byte>(1u << (bit % 8));
  if (value) image_[bit / 8] |= mask;
  else image_[bit / 8] &= ~mask;
}

std::span<const std::byte> WriteIntentBitmap::page_of(std::uint64_t bit) const noexcept {
  return std::span(image_).subspan(bit / 8 / page_bytes_ * page_bytes_, page_bytes_);
}

}  // namespace uiscsi::target::raid
