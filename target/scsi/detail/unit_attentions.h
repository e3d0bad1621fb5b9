// Unit attention conditions per I_T nexus (SAM-5 5.14): queued here when an
// event happens, reported (and cleared) by the next command of that nexus that may report
// one.
//
// Thread safety: all members are thread-safe. The data path calls only any_pending(), one
// atomic load, and takes the mutex only while some nexus has a condition queued.
#pragma once

#include <atomic>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "iscsi/sense_codes.h"
#include "target/scsi/command.h"

namespace uiscsi::target::scsi::detail {

class UnitAttentions {
 public:
  using AdditionalSense = iscsi::scsi::AdditionalSense;

  // A session entered Full Feature Phase. The first time a nexus appears it gets POWER ON,
  // RESET, OR BUS DEVICE RESET OCCURRED. Sessions of the same nexus are counted, so a
  // reinstating session may arrive before the old one is reported lost.
  void nexus_established(const Nexus& nexus);
  // The last session of the nexus ended: its queue is dropped.
  void nexus_lost(const Nexus& nexus);

  // Queues `asc` for every established nexus for which `select` returns true (all when
  // `select` is empty).
  void establish(AdditionalSense asc, const std::function<bool(const Nexus&)>& select = {});
  // Queues `asc` for every established nexus except `except`.
  void establish_except(AdditionalSense asc, const Nexus& except);

  // Removes and returns the oldest condition of `nexus`.
  std::optional<AdditionalSense> take(const Nexus& nexus);

  bool any_pending() const noexcept { return pending_.load(std::memory_order_acquire) != 0; }

 private:
  struct Entry {
    Nexus nexus;
    int sessions = 0;
    std::deque<AdditionalSense> queue;
  };
  static std::string key(const Nexus& nexus);
  void push(Entry& entry, AdditionalSense asc);  // with mutex_ held

  // Bound per nexus: an initiator that never polls cannot grow the queue without limit.
  // The oldest conditions go first; the newest tell the initiator most.
  static constexpr std::size_t kMaxQueued = 16;

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::atomic<std::size_t> pending_{0};  // entries with a non-empty queue
};

}  // namespace uiscsi::target::scsi::detail
