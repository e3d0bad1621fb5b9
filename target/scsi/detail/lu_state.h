// Everything a logical unit is made of; the handlers (one .cpp per command family) work
// on it through a Request.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "target/backend/backend.h"
#include "target/scsi/detail/mode_pages.h"
#include "target/scsi/detail/range_lock.h"
#include "target/scsi/detail/reservations.h"
#include "target/scsi/detail/unit_attentions.h"
#include "target/scsi/logical_unit.h"

namespace uiscsi::target::scsi::detail {

struct LuState {
  LuState(const Target& target, std::uint16_t lun, std::unique_ptr<Backend> backend, LuConfig config);

  const Target& target;
  const std::uint16_t lun;
  const std::unique_ptr<Backend> backend;
  const LuConfig config;
  const Features features;
  const std::uint32_t block_size;
  // Logical blocks per physical block (Geometry::physical_block_size), a power of two.
  const std::uint32_t blocks_per_physical;
  // Logical blocks per unit UNMAP deallocates (Geometry::allocation_unit, else the
  // physical block), a power of two.
  const std::uint32_t blocks_per_allocation_unit;
  // Changes only through LogicalUnit::capacity_changed().
  std::atomic<std::uint64_t> block_count;
  // NAA IEEE Registered Extended designator (VPD 83h), derived from the serial number.
  const std::array<std::byte, 16> naa;

  ModePages mode;
  UnitAttentions unit_attentions;
  Reservations reservations;
  RangeLock range_lock;
  // START STOP UNIT with START = 0 stops the unit: medium access then reports NOT READY,
  // INITIALIZING COMMAND REQUIRED until a START UNIT (SBC-3 4.19).
  std::atomic<bool> stopped{false};

  bool write_protected() const noexcept { return config.write_protect || mode.software_write_protect(); }
  // Transfers above this many blocks are rejected (VPD B0h MAXIMUM TRANSFER LENGTH).
  std::uint32_t max_transfer_blocks() const noexcept { return config.max_transfer_bytes / block_size; }
  // Is [lba, lba + blocks) inside the medium (overflow-safe)?
  bool in_range(std::uint64_t lba, std::uint64_t blocks) const noexcept {
    const std::uint64_t count = block_count.load(std::memory_order_relaxed);
    return lba <= count && blocks <= count - lba;
  }
};

// The NAA 6h designator for a serial number: the IEEE company id, then 100 bits of the
// SHA-256 of the serial (stable across restarts, distinct per serial).
std::array<std::byte, 16> make_naa_designator(std::uint32_t ieee_company_id, std::string_view serial);

}  // namespace uiscsi::target::scsi::detail
