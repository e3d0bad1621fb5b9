#include "target/scsi/detail/reservations.h"

#include <cerrno>
#include <unistd.h>

namespace uiscsi::target::scsi::detail {

std::error_code Reservations::load() {
  if (file_.empty()) return {};
  PrState loaded;
  const std::error_code ec = load_pr_state(file_, loaded);
  if (ec == std::errc::no_such_file_or_directory) return {};
  if (ec) return ec;
  std::lock_guard lock(mutex_);
  state_ = std::move(loaded);
  publish();
  return {};
}

void Reservations::publish() {
  active_.store(state_.reservation.has_value() || spc2_holder_.has_value(), std::memory_order_release);
}

bool Reservations::conflicts(const Nexus& nexus, PrAccess access, bool spc2_allowed) const {
  std::lock_guard lock(mutex_);
  if (spc2_holder_ && !spc2_allowed && !same_nexus(*spc2_holder_, nexus)) return true;
  return pr_conflict(state_, nexus, access);
}

bool Reservations::reserve6(const Nexus& nexus) {
  std::lock_guard lock(mutex_);
  if (!state_.registrants.empty()) return false;
  if (spc2_holder_ && !same_nexus(*spc2_holder_, nexus)) return false;
  spc2_holder_ = nexus;
  publish();
  return true;
}

bool Reservations::release6(const Nexus& nexus) {
  std::lock_guard lock(mutex_);
  if (!state_.registrants.empty()) return false;
  if (spc2_holder_ && same_nexus(*spc2_holder_, nexus)) {
    spc2_holder_.reset();
    publish();
  }
  return true;
}

void Reservations::release6_held_by(const Nexus& nexus) {
  std::lock_guard lock(mutex_);
  if (spc2_holder_ && same_nexus(*spc2_holder_, nexus)) {
    spc2_holder_.reset();
    publish();
  }
}

void Reservations::release6_all() {
  std::lock_guard lock(mutex_);
  spc2_holder_.reset();
  publish();
}

PrState Reservations::snapshot() const {
  std::lock_guard lock(mutex_);
  return state_;
}

ProutOutcome Reservations::prout(const Nexus& nexus, const ProutRequest& request, std::error_code& persist_error) {
  persist_error.clear();
  std::lock_guard lock(mutex_);
  PrState next = state_;
  ProutOutcome out = apply_prout(next, nexus, request);
  if (out.kind != ProutOutcome::Kind::good || next == state_) return out;
  if (!file_.empty()) {
    if (next.aptpl) {
      persist_error = save_pr_state(file_, next);
    } else if (state_.aptpl && ::unlink(file_.c_str()) != 0 && errno != ENOENT) {
      persist_error = {errno, std::system_category()};
    }
    if (persist_error) return out;
  }
  state_ = std::move(next);
  publish();
  return out;
}

}  // namespace uiscsi::target::scsi::detail
