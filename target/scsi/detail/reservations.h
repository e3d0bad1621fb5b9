// The reservation state of one logical unit: persistent reservations (SPC-4 5.12) and the
// RESERVE(6) / RELEASE(6) reservation of SPC-2, behind one small mutex.
//
// The data path asks may_conflict() first: one atomic load that is false unless some
// reservation exists, so unreserved logical units never take the mutex.
#pragma once

#include <atomic>
#include <filesystem>
#include <mutex>
#include <optional>
#include <system_error>

#include "target/scsi/command.h"
#include "target/scsi/detail/pr_state.h"

namespace uiscsi::target::scsi::detail {

class Reservations {
 public:
  // `pr_state_file`: where APTPL state lives; empty when APTPL is not supported.
  explicit Reservations(std::filesystem::path pr_state_file) : file_(std::move(pr_state_file)) {}

  // Restores APTPL state, if a file exists (see load_pr_state for errors).
  std::error_code load();
  bool aptpl_supported() const noexcept { return !file_.empty(); }

  bool may_conflict() const noexcept { return active_.load(std::memory_order_acquire); }
  // RESERVATION CONFLICT for a command of class `access` from `nexus`?
  // `spc2_allowed`: the command is allowed while another I_T nexus holds a RESERVE(6)
  // reservation (INQUIRY, REQUEST SENSE, REPORT LUNS, RELEASE ...).
  bool conflicts(const Nexus& nexus, PrAccess access, bool spc2_allowed) const;

  // RESERVE(6) / RELEASE(6): false means RESERVATION CONFLICT. Both conflict while any
  // persistent reservation registration exists (SPC-4 5.12.3, CRH = 0); RELEASE by a
  // nexus that holds nothing does nothing.
  bool reserve6(const Nexus& nexus);
  bool release6(const Nexus& nexus);
  // I_T nexus loss releases that nexus's RESERVE(6) reservation; a reset releases any.
  void release6_held_by(const Nexus& nexus);
  void release6_all();

  PrState snapshot() const;

  // PERSISTENT RESERVE OUT: applies `request` to a copy of the state, writes it to the
  // APTPL file while APTPL is in force (removing the file when APTPL is switched off), and
  // commits only if that worked. `persist_error` is set when the file could not be
  // written; the state is then unchanged.
  ProutOutcome prout(const Nexus& nexus, const ProutRequest& request, std::error_code& persist_error);

 private:
  static bool same_nexus(const Nexus& a, const Nexus& b) noexcept {
    return a.initiator_port == b.initiator_port && a.relative_target_port_id == b.relative_target_port_id;
  }
  void publish();  // mutex_ held

  const std::filesystem::path file_;
  mutable std::mutex mutex_;
  PrState state_;
  std::optional<Nexus> spc2_holder_;
  std::atomic<bool> active_{false};
};

}  // namespace uiscsi::target::scsi::detail
