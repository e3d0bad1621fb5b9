// The configured targets at run time: each one's current configuration and its SCSI target
// device (target/scsi/target.h), looked up by name at login.
//
// A TargetRuntime outlives configuration changes: Server::apply() swaps in the new
// TargetNode (new logins see it at once) and changes the logical units in place, so the
// sessions that hold the runtime keep working. Thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "target/iscsi/config.h"
#include "target/scsi/target.h"

namespace uiscsi::target::iscsit {

class TargetRuntime {
 public:
  // Creates the SCSI target and opens every LUN's backend. On failure returns null and
  // says which LUN and why in `error`.
  static std::shared_ptr<TargetRuntime> create(const TargetNode& config, scsi::AbortTasksHandler abort_tasks,
                                               std::string& error);

  std::shared_ptr<const TargetNode> config() const { return config_.load(); }
  scsi::Target& scsi() noexcept { return *scsi_; }

  // Moves to `config` (same name): LUNs that are gone are removed, new ones added, changed
  // ones (same_lun() false) replaced; the rest is taken over as is. Each LUN that cannot be
  // changed is reported in `errors` and left as it was.
  void update(const TargetNode& config, std::vector<std::string>& errors);

  // The SCSI relative target port identifier of portal group `tpgt` (SPC-4 7.8.6.6): its
  // position in the configuration, from 1.
  std::uint16_t relative_port_of(std::uint16_t tpgt) const;

  // Makes every logical unit's completed writes stable (shutdown).
  void flush_all();

 private:
  TargetRuntime(std::shared_ptr<const TargetNode> config, std::unique_ptr<scsi::Target> scsi);
  static std::error_code add_lun(scsi::Target& target, const TargetNode& config, const Lun& lun);

  std::atomic<std::shared_ptr<const TargetNode>> config_;
  std::unique_ptr<scsi::Target> scsi_;
  std::mutex update_mutex_;  // serialises update()
};

class TargetTable {
 public:
  std::shared_ptr<TargetRuntime> find(std::string_view name) const;
  // Every target, ordered by name.
  std::vector<std::shared_ptr<TargetRuntime>> all() const;
  void put(std::shared_ptr<TargetRuntime> target);
  std::shared_ptr<TargetRuntime> remove(std::string_view name);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<TargetRuntime>, std::less<>> targets_;
};

// The serial number (VPD 80h) of a LUN whose configuration names none: derived from the
// target name and the LUN, so it is the same after a restart (FNV-1a 64).
std::string default_serial(std::string_view target_name, std::uint16_t lun);

}  // namespace uiscsi::target::iscsit
