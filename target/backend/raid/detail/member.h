// A member device of a running volume, as the data path sees it.
//
// Ownership: the volume owns every Member for its whole lifetime (a removed member is
// retired, not destroyed), so the data path may follow a slot's raw pointer without a
// lock. State changes are atomic; the device table in the superblock is rebuilt from them
// under the volume's metadata mutex.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "target/backend/backend.h"
#include "target/backend/raid/superblock.h"
#include "target/backend/raid/uuid.h"

namespace uiscsi::target::raid::detail {

struct Member {
  std::string name;  // for messages: a path, or whatever the creator called it
  std::unique_ptr<Backend> backend;
  Uuid uuid;
  std::uint32_t device_number = 0;  // index in the superblock's device table

  std::atomic<DeviceState> state{DeviceState::spare};
  std::atomic<std::uint16_t> role{kNoRole};
  // The rebuild watermark: while rebuilding, rows below it hold valid data. Advanced by
  // the rebuild under the row's stripe lock, after the row's data reached the member.
  std::atomic<std::uint64_t> rebuilt_rows{0};

  // Whether `row` on this member may be read (and, for parity levels, must be written).
  bool holds(std::uint64_t row) const noexcept {
    const DeviceState s = state.load(std::memory_order_acquire);
    if (s == DeviceState::in_sync) return true;
    return s == DeviceState::rebuilding && row < rebuilt_rows.load(std::memory_order_acquire);
  }
  // Whether the member is to receive writes at all (mirror levels write rebuilding
  // members everywhere so a chunk copied by the rebuild never misses a later write).
  bool writable() const noexcept {
    const DeviceState s = state.load(std::memory_order_acquire);
    return s == DeviceState::in_sync || s == DeviceState::rebuilding;
  }
};

}  // namespace uiscsi::target::raid::detail
