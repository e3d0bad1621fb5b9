#include <algorithm>

#include "target/scsi/detail/unit_attentions.h"

namespace uiscsi::target::scsi::detail {

std::string UnitAttentions::key(const Nexus& nexus) {
  // '\n' cannot occur in an iSCSI name (RFC 3722), so the key is unambiguous.
  return nexus.initiator_port + '\n' + nexus.target_port;
}

void UnitAttentions::push(Entry& entry, AdditionalSense asc) {
  // One condition of a kind is enough: reporting it twice tells the initiator nothing new.
  if (std::find(entry.queue.begin(), entry.queue.end(), asc) != entry.queue.end()) return;
  if (entry.queue.empty()) pending_.fetch_add(1, std::memory_order_release);
  if (entry.queue.size() == kMaxQueued) entry.queue.pop_front();
  entry.queue.push_back(asc);
}

void UnitAttentions::nexus_established(const Nexus& nexus) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = entries_.try_emplace(key(nexus));
  if (inserted) {
    it->second.nexus = nexus;
    push(it->second, iscsi::scsi::asc::power_on_reset_or_bus_device_reset);
  }
  ++it->second.sessions;
}

void UnitAttentions::nexus_lost(const Nexus& nexus) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key(nexus));
  if (it == entries_.end() || --it->second.sessions > 0) return;
  if (!it->second.queue.empty()) pending_.fetch_sub(1, std::memory_order_release);
  entries_.erase(it);
}

void UnitAttentions::establish(AdditionalSense asc, const std::function<bool(const Nexus&)>& select) {
  std::lock_guard lock(mutex_);
  for (auto& [k, entry] : entries_) {
    if (!select || select(entry.nexus)) push(entry, asc);
  }
}

void UnitAttentions::establish_except(AdditionalSense asc, const Nexus& except) {
  establish(asc, [&](const Nexus& n) { return !(n.initiator_port == except.initiator_port &&
                                                n.target_port == except.target_port); });
}

std::optional<iscsi::scsi::AdditionalSense> UnitAttentions::take(const Nexus& nexus) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key(nexus));
  if (it == entries_.end() || it->second.queue.empty()) return std::nullopt;
  const AdditionalSense asc = it->second.queue.front();
  it->second.queue.pop_front();
  if (it->second.queue.empty()) pending_.fetch_sub(1, std::memory_order_release);
  return asc;
}

}  // namespace uiscsi::target::scsi::detail
