// Scrub (check, optionally repair, every row) and the resync of a dirty volume's marked
// regions at assembly.
#include <algorithm>

#include "target/backend/raid/detail/raid_volume.h"
#include "target/backend/raid/raid_error.h"

namespace uiscsi::target::raid::detail {
namespace {

constexpr std::size_t kReportedMismatches = 64;
constexpr std::uint64_t kProgressEvery = 64;

}  // namespace

std::error_code RaidVolume::scrub(bool repair, ScrubReport& report,
                                  const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  report = ScrubReport{};
  if (config_.level == Level::raid0) return raid_errc::no_redundancy;
  if (slots_out_of_sync() > 0) return raid_errc::degraded;
  for (std::uint64_t row = 0; row < config_.rows; ++row) {
    bool consistent = true;
    if (auto ec = engine_->sync_row(row, repair, consistent)) return ec;
    ++report.rows_checked;
    if (!consistent) {
      ++report.mismatched_rows;
      if (report.first_mismatches.size() < kReportedMismatches) report.first_mismatches.push_back(row);
      if (repair) ++report.repaired_rows;
    }
    if (progress && ((row + 1) % kProgressEvery == 0 || row + 1 == config_.rows)) progress(row + 1, config_.rows);
  }
  if (repair && report.mismatched_rows > 0) {
    std::lock_guard lock(meta_mutex_);
    log_locked("scrub repaired " + std::to_string(report.repaired_rows) + " rows");
  }
  return {};
}

std::error_code RaidVolume::resync_dirty_regions(std::vector<std::string>& messages) {
  const auto regions = bitmap_->set_regions();
  std::uint64_t synced = 0;
  std::uint64_t mismatched = 0;
  std::uint64_t skipped = 0;
  for (auto region : regions) {
    const std::uint64_t begin = region * bitmap_->region_rows();
    const std::uint64_t end = std::min(config_.rows, begin + bitmap_->region_rows());
    for (std::uint64_t row = begin; row < end; ++row) {
      bool consistent = true;
      auto ec = engine_->sync_row(row, true, consistent);
      if (ec == raid_errc::degraded) {
        // Forced start of a dirty degraded volume: parity cannot be recomputed without the
        // lost unit, so the row stays as the crash left it.
        ++skipped;
        continue;
      }
      if (ec) return ec;
      ++synced;
      if (!consistent) ++mismatched;
    }
  }
  std::string line = "dirty volume: resynced " + std::to_string(synced) + " rows in " +
                     std::to_string(regions.size()) + " marked regions, " + std::to_string(mismatched) +
                     " had stale parity or copies";
  if (skipped > 0) line += ", " + std::to_string(skipped) + " degraded rows left as they were";
  messages.push_back(line);
  std::lock_guard lock(meta_mutex_);
  log_locked(std::move(line));
  return {};
}

}  // namespace uiscsi::target::raid::detail
