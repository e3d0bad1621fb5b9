// The per-level data path: how reads and writes map onto members, how a row is rebuilt
// onto a new member and how a row's redundancy is checked. One implementation per family:
// striping (RAID 0), parity (RAID 5/6), mirroring (RAID 1/10).
//
// Preconditions (checked by RaidBackend): requests are whole blocks inside the volume.
// Buffers belong to the caller for the duration of the call.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <system_error>

#include "target/backend/raid/detail/volume.h"

namespace uiscsi::target::raid::detail {

class Engine {
 public:
  virtual ~Engine() = default;

  virtual std::error_code read(std::uint64_t lba, std::span<std::byte> out) noexcept = 0;
  virtual std::error_code write(std::uint64_t lba, std::span<const std::byte> in, bool fua) noexcept = 0;

  // Recomputes member row `row` of every rebuilding member in `targets` whose watermark is
  // at or below `row`, writes it, and advances their watermarks past it. Errors:
  // volume_io_error() when the sources are gone, or a target's write error (the target is
  // then faulty).
  virtual std::error_code rebuild_row(std::uint64_t row, std::span<Member* const> targets) noexcept = 0;

  // Checks that member row `row` is redundant (parity matches data, copies match). With
  // `repair`, rewrites parity from data or the other copies from the first. `consistent`
  // tells what was found. Error: the row could not be read (a member failed) or written.
  virtual std::error_code sync_row(std::uint64_t row, bool repair, bool& consistent) noexcept = 0;
};

std::unique_ptr<Engine> make_stripe_engine(Volume& volume);
std::unique_ptr<Engine> make_parity_engine(Volume& volume);
std::unique_ptr<Engine> make_mirror_engine(Volume& volume);

}  // namespace uiscsi::target::raid::detail
