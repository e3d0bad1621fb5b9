// The SCSI target device: the logical units behind one iSCSI target, addressed by LUN.
//
// Target is what the iSCSI session layer talks to:
//  - execute(lun, command) for every SCSI Command PDU, including those addressed to a LUN
//    that does not exist (SPC-4 5.9: INQUIRY answers with peripheral qualifier 011b,
//    REPORT LUNS and REQUEST SENSE work, everything else gets LOGICAL UNIT NOT SUPPORTED)
//    and to the REPORT LUNS well-known logical unit (SPC-4 8.2);
//  - nexus_established / nexus_lost when a session enters Full Feature Phase / ends;
//  - lun_reset / target_reset for the task management functions (RFC 7143 11.5.1).
// All member functions are thread-safe. The LUN table is an immutable snapshot, replaced
// when a LUN is added or removed; execute() looks a LUN up with one
// std::atomic<std::shared_ptr> load (libstdc++ guards it with a spin bit held for a pointer
// copy). A session that wants no shared write at all per command can resolve a LUN once
// with find() and call LogicalUnit::execute() itself, keeping Target::execute() for LUNs
// find() does not know.
//
// Every session must be announced with nexus_established() before its first command and
// nexus_lost() when it ends: unit attentions are kept only for established I_T nexuses.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "iscsi/pdu_task_management.h"
#include "target/backend/backend.h"
#include "target/scsi/command.h"
#include "target/scsi/error.h"
#include "target/scsi/logical_unit.h"

namespace uiscsi::target::scsi {

// Called when PREEMPT AND ABORT (SPC-4 5.12.11.2.5) requires the tasks of the preempted
// I_T nexuses on one LUN to be aborted; the session layer aborts them as for ABORT TASK
// SET. `initiator_port` is "<name>,i,0x<ISID>", or a bare InitiatorName for a registration
// made by name (all its ISIDs); relative_target_port_id 0 means every target port. Called
// on the thread that executes the PERSISTENT RESERVE OUT; it must not block or call back
// into the Target.
using AbortTasksHandler =
    std::function<void(std::string_view initiator_port, std::uint16_t relative_target_port_id, std::uint16_t lun)>;

struct TargetConfig {
  // The iSCSI TargetName (SCSI target device name, VPD 83h SCSI name string designator).
  std::string name;
  // Relative target port identifiers of the target ports (one per iSCSI target portal
  // group), all in one ALUA target port group that is always active/optimized.
  std::vector<std::uint16_t> relative_target_ports{1};
  std::uint16_t target_port_group = 1;
  // May be empty: PREEMPT AND ABORT then only preempts (nothing is in flight to abort in a
  // synchronous test set-up).
  AbortTasksHandler abort_tasks;
};

class Target {
 public:
  explicit Target(TargetConfig config);
  ~Target();
  Target(const Target&) = delete;
  Target& operator=(const Target&) = delete;

  // Creates a logical unit at `lun` (0..iscsi::scsi::kMaxLun). Every established I_T
  // nexus gets POWER ON for it, and REPORTED LUNS DATA HAS CHANGED on the other logical
  // units (SPC-4 5.9).
  // Errors: target_errc::lun_exists, target_errc::invalid_lun, or LogicalUnit::open's.
  std::error_code add_lun(std::uint16_t lun, std::unique_ptr<Backend> backend, LuConfig config);
  // Removes it (target_errc::no_such_lun if absent); commands already executing on it
  // finish first (they hold a reference).
  std::error_code remove_lun(std::uint16_t lun);
  // The logical unit at `lun`, or null.
  std::shared_ptr<LogicalUnit> find(std::uint16_t lun) const;
  // Configured LUN numbers, ascending.
  std::vector<std::uint16_t> luns() const;

  // `lun_field` is the 8-byte SAM LUN of the PDU (single-level peripheral or flat space
  // addressing, or the REPORT LUNS well-known LUN C101h).
  Response execute(std::uint64_t lun_field, const Command& command);

  void nexus_established(const Nexus& nexus);
  void nexus_lost(const Nexus& nexus);

  // LOGICAL UNIT RESET: lun_does_not_exist for an unknown LUN, else function_complete.
  iscsi::TmfResponse lun_reset(std::uint64_t lun_field);
  // TARGET WARM RESET / TARGET COLD RESET: a reset of every logical unit (RFC 7143
  // 11.5.1; a cold reset also ends every session, which is the session layer's part).
  iscsi::TmfResponse target_reset();

  const TargetConfig& config() const noexcept { return config_; }

  // The REPORT LUNS well-known logical unit (SPC-4 8.2). Ordinary LUNs are encoded and
  // decoded by iscsi/scsi_lun.h.
  static constexpr std::uint64_t kReportLunsWellKnownLun = 0xc101000000000000ull;

 private:
  using LunMap = std::map<std::uint16_t, std::shared_ptr<LogicalUnit>>;

  std::shared_ptr<const LunMap> snapshot() const;

  TargetConfig config_;
  // Writers (add/remove) serialise on table_mutex_ and publish a new immutable map.
  std::mutex table_mutex_;
  std::atomic<std::shared_ptr<const LunMap>> table_;
  // Established nexuses, so a logical unit added later can greet them.
  mutable std::mutex nexus_mutex_;
  std::vector<Nexus> nexuses_;
};

}  // namespace uiscsi::target::scsi
