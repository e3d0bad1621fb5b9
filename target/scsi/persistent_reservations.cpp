// PERSISTENT RESERVE OUT service actions and reservation conflicts (SPC-4 5.12, 6.16).
#include <algorithm>
#include <utility>

#include "target/scsi/detail/pr_state.h"

namespace uiscsi::target::scsi::detail {
namespace {

namespace asc = iscsi::scsi::asc;
using Kind = ProutOutcome::Kind;

// CDB and parameter list fields the outcome points at (SPC-4 6.16.1, 6.16.3).
constexpr std::uint16_t kCdbScopeType = 2;
constexpr std::uint16_t kParamServiceActionKey = 8;
constexpr std::uint16_t kParamFlags = 20;
constexpr std::uint16_t kParamMoveTransportId = 24;

ProutOutcome outcome(Kind kind, std::uint16_t field = 0) {
  ProutOutcome o;
  o.kind = kind;
  o.field = field;
  return o;
}

bool same_registrant_slot(const Registrant& a, const Registrant& b) {
  return a.initiator == b.initiator && a.relative_target_port_id == b.relative_target_port_id &&
         a.all_target_ports == b.all_target_ports;
}

void notify_others(ProutOutcome& out, const PrState& state, std::uint64_t self_id, iscsi::scsi::AdditionalSense sense) {
  for (const Registrant& r : state.registrants) {
    if (r.id != self_id) out.notices.push_back({r, sense});
  }
}

// Removes one registration; releases the reservation if that leaves it without a holder
// (SPC-4 5.12.11.2.3).
void unregister(PrState& state, ProutOutcome& out, std::uint64_t id) {
  std::erase_if(state.registrants, [&](const Registrant& r) { return r.id == id; });
  if (!state.reservation) return;
  if (all_registrants(state.reservation->type)) {
    if (state.registrants.empty()) state.reservation.reset();
    return;
  }
  if (state.reservation->holder != id) return;
  const PrType type = state.reservation->type;
  state.reservation.reset();
  // Registrants-only reservations tell the remaining registrants they lost their access.
  if (type == PrType::write_exclusive_registrants_only || type == PrType::exclusive_access_registrants_only) {
    notify_others(out, state, id, asc::reservations_released);
  }
}

// Removes every registration with `key` except `keep_id`'s; returns how many went.
std::size_t remove_by_key(PrState& state, ProutOutcome& out, std::uint64_t key, std::uint64_t keep_id, bool abort) {
  std::size_t removed = 0;
  std::erase_if(state.registrants, [&](const Registrant& r) {
    if (r.key != key || r.id == keep_id) return false;
    out.notices.push_back({r, asc::registrations_preempted});
    if (abort) out.preempted.push_back(r);
    ++removed;
    return true;
  });
  return removed;
}

Registrant make_registrant(PrState& state, const InitiatorPort& port, std::uint16_t rtpi, bool all_tg_pt,
                           std::uint64_t key) {
  return Registrant{state.next_id++, port, rtpi, all_tg_pt, key};
}

ProutOutcome do_register(PrState& state, const Nexus& nexus, const ProutRequest& req, bool ignore_key) {
  Registrant* self = state.find(nexus);
  if (self == nullptr) {
    if (!ignore_key && req.key != 0) return outcome(Kind::reservation_conflict);
    if (req.service_action_key == 0) return outcome(Kind::good);  // nothing to register
    std::vector<Registrant> added{make_registrant(state, parse_initiator_port(nexus.initiator_port),
                                                  nexus.relative_target_port_id, req.all_tg_pt,
                                                  req.service_action_key)};
    for (const InitiatorPort& port : req.transport_ids) {
      Registrant r = make_registrant(state, port, nexus.relative_target_port_id, req.all_tg_pt, req.service_action_key);
      // SPC-4 6.16.3: naming an I_T nexus that is already registered (or twice) is an error.
      const auto clash = [&](const Registrant& other) { return same_registrant_slot(other, r); };
      if (std::any_of(state.registrants.begin(), state.registrants.end(), clash) ||
          std::any_of(added.begin(), added.end(), clash)) {
        return outcome(Kind::invalid_field_in_parameter_list, kParamMoveTransportId);
      }
      added.push_back(std::move(r));
    }
    state.registrants.insert(state.registrants.end(), added.begin(), added.end());
  } else {
    if (!ignore_key && req.key != self->key) return outcome(Kind::reservation_conflict);
    if (req.spec_i_pt) return outcome(Kind::invalid_field_in_parameter_list, kParamFlags);
    ProutOutcome out;
    if (req.service_action_key == 0) {
      unregister(state, out, self->id);
    } else {
      self->key = req.service_action_key;
    }
    state.aptpl = req.aptpl;
    ++state.generation;
    return out;
  }
  state.aptpl = req.aptpl;
  ++state.generation;
  return outcome(Kind::good);
}

ProutOutcome do_reserve(PrState& state, const Nexus& nexus, const ProutRequest& req) {
  const Registrant* self = state.find(nexus);
  if (self == nullptr || self->key != req.key) return outcome(Kind::reservation_conflict);
  if (state.reservation) {
    // Re-reserving with the same type is allowed for a holder; anything else conflicts.
    if (state.is_holder(nexus) && static_cast<std::uint8_t>(state.reservation->type) == req.type) {
      return outcome(Kind::good);
    }
    return outcome(Kind::reservation_conflict);
  }
  state.reservation = PrReservation{static_cast<PrType>(req.type), self->id};
  return outcome(Kind::good);
}

ProutOutcome do_release(PrState& state, const Nexus& nexus, const ProutRequest& req) {
  const Registrant* self = state.find(nexus);
  if (self == nullptr || self->key != req.key) return outcome(Kind::reservation_conflict);
  // Releasing a reservation one does not hold is not an error (SPC-4 5.12.11.2.2).
  if (!state.reservation || !state.is_holder(nexus)) return outcome(Kind::good);
  if (static_cast<std::uint8_t>(state.reservation->type) != req.type) return outcome(Kind::invalid_release);
  const PrType type = state.reservation->type;
  state.reservation.reset();
  ProutOutcome out;
  if (type != PrType::write_exclusive && type != PrType::exclusive_access) {
    notify_others(out, state, self->id, asc::reservations_released);
  }
  return out;
}

ProutOutcome do_clear(PrState& state, const Nexus& nexus, const ProutRequest& req) {
  const Registrant* self = state.find(nexus);
  if (self == nullptr || self->key != req.key) return outcome(Kind::reservation_conflict);
  ProutOutcome out;
  notify_others(out, state, self->id, asc::reservations_preempted);
  state.registrants.clear();
  state.reservation.reset();
  ++state.generation;
  return out;
}

ProutOutcome do_preempt(PrState& state, const Nexus& nexus, const ProutRequest& req, bool abort) {
  const Registrant* self_ptr = state.find(nexus);
  if (self_ptr == nullptr || self_ptr->key != req.key) return outcome(Kind::reservation_conflict);
  const std::uint64_t self = self_ptr->id;
  ProutOutcome out;

  const bool reservation_taken_over = [&] {
    if (!state.reservation) return false;
    if (all_registrants(state.reservation->type)) return req.service_action_key == 0;
    return req.service_action_key == state.reservation_key();
  }();

  if (!reservation_taken_over) {
    // Preempt registrations only (SPC-4 5.12.11.2.4.3); a zero key names nobody.
    if (req.service_action_key == 0) return outcome(Kind::invalid_field_in_parameter_list, kParamServiceActionKey);
    if (remove_by_key(state, out, req.service_action_key, 0, abort) == 0) return outcome(Kind::reservation_conflict);
    // The holder of a single-holder reservation has the reservation key, so it is still
    // there; an all-registrants reservation ends with its last registrant.
    if (state.reservation && state.registrants.empty()) state.reservation.reset();
    ++state.generation;
    return out;
  }

  // Take over the reservation (SPC-4 5.12.11.2.4.2 / .4): remove the preempted
  // registrations, then reserve with the new type for the preempting I_T nexus.
  if (!valid_pr_type(req.type) || req.scope != 0) return outcome(Kind::invalid_field_in_cdb, kCdbScopeType);
  const PrType old_type = state.reservation->type;
  if (all_registrants(old_type)) {
    std::erase_if(state.registrants, [&](const Registrant& r) {
      if (r.id == self) return false;
      out.notices.push_back({r, asc::registrations_preempted});
      if (abort) out.preempted.push_back(r);
      return true;
    });
  } else {
    remove_by_key(state, out, req.service_action_key, self, abort);
  }
  state.reservation = PrReservation{static_cast<PrType>(req.type), self};
  if (old_type != state.reservation->type) notify_others(out, state, self, asc::reservations_released);
  ++state.generation;
  return out;
}

ProutOutcome do_register_and_move(PrState& state, const Nexus& nexus, const ProutRequest& req) {
  const Registrant* self_ptr = state.find(nexus);
  if (self_ptr == nullptr || self_ptr->key != req.key) return outcome(Kind::reservation_conflict);
  // Only the holder of a single-holder reservation can move it (SPC-4 5.12.8).
  if (!state.reservation || all_registrants(state.reservation->type) || !state.is_holder(nexus)) {
    return outcome(Kind::reservation_conflict);
  }
  if (req.service_action_key == 0) return outcome(Kind::invalid_field_in_parameter_list, kParamServiceActionKey);
  const Registrant self = *self_ptr;
  if (req.move_to.isid.empty() || (req.move_to == self.initiator &&
                                   req.move_relative_target_port_id == nexus.relative_target_port_id)) {
    return outcome(Kind::invalid_field_in_parameter_list, kParamMoveTransportId);
  }
  auto dest = std::find_if(state.registrants.begin(), state.registrants.end(), [&](const Registrant& r) {
    return r.matches(req.move_to, req.move_relative_target_port_id);
  });
  std::uint64_t dest_id = 0;
  if (dest == state.registrants.end()) {
    Registrant r = make_registrant(state, req.move_to, req.move_relative_target_port_id, false, req.service_action_key);
    dest_id = r.id;
    state.registrants.push_back(std::move(r));
  } else {
    dest->key = req.service_action_key;
    dest_id = dest->id;
  }
  state.reservation->holder = dest_id;
  ProutOutcome out;
  if (req.unreg) std::erase_if(state.registrants, [&](const Registrant& r) { return r.id == self.id; });
  state.aptpl = req.aptpl;
  ++state.generation;
  return out;
}

}  // namespace

bool valid_pr_type(std::uint8_t type) noexcept {
  switch (type) {
    case 0x1: case 0x3: case 0x5: case 0x6: case 0x7: case 0x8: return true;
    default: return false;
  }
}

bool all_registrants(PrType type) noexcept {
  return type == PrType::write_exclusive_all_registrants || type == PrType::exclusive_access_all_registrants;
}

bool Registrant::matches(const InitiatorPort& port, std::uint16_t rtpi) const noexcept {
  return initiator.covers(port) && (all_target_ports || relative_target_port_id == rtpi);
}

bool Registrant::matches(const Nexus& nexus) const {
  return matches(parse_initiator_port(nexus.initiator_port), nexus.relative_target_port_id);
}

const Registrant* PrState::find(const Nexus& nexus) const {
  const InitiatorPort port = parse_initiator_port(nexus.initiator_port);
  for (const Registrant& r : registrants) {
    if (r.matches(port, nexus.relative_target_port_id)) return &r;
  }
  return nullptr;
}

Registrant* PrState::find(const Nexus& nexus) {
  return const_cast<Registrant*>(std::as_const(*this).find(nexus));
}

const Registrant* PrState::find_id(std::uint64_t id) const {
  for (const Registrant& r : registrants) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

bool PrState::is_holder(const Nexus& nexus) const {
  if (!reservation) return false;
  const Registrant* r = find(nexus);
  if (r == nullptr) return false;
  return all_registrants(reservation->type) || r->id == reservation->holder;
}

std::uint64_t PrState::reservation_key() const {
  if (!reservation || all_registrants(reservation->type)) return 0;
  const Registrant* holder = find_id(reservation->holder);
  return holder != nullptr ? holder->key : 0;
}

bool pr_conflict(const PrState& state, const Nexus& nexus, PrAccess access) {
  if (!state.reservation || access == PrAccess::allowed) return false;
  if (state.is_holder(nexus)) return false;
  switch (state.reservation->type) {
    case PrType::write_exclusive:
      return access == PrAccess::write;
    case PrType::exclusive_access:
      return true;
    case PrType::write_exclusive_registrants_only:
    case PrType::write_exclusive_all_registrants:
      return access == PrAccess::write && state.find(nexus) == nullptr;
    case PrType::exclusive_access_registrants_only:
    case PrType::exclusive_access_all_registrants:
      return state.find(nexus) == nullptr;
  }
  return true;
}

ProutOutcome apply_prout(PrState& state, const Nexus& nexus, const ProutRequest& req) {
  // Scope and type matter only where a reservation is created or released.
  const bool needs_type = req.action == ProutAction::reserve || req.action == ProutAction::release;
  if (needs_type && (req.scope != 0 || !valid_pr_type(req.type))) return outcome(Kind::invalid_field_in_cdb, kCdbScopeType);
  switch (req.action) {
    case ProutAction::register_key: return do_register(state, nexus, req, false);
    case ProutAction::register_and_ignore_existing_key:
      if (req.spec_i_pt) return outcome(Kind::invalid_field_in_parameter_list, kParamFlags);
      return do_register(state, nexus, req, true);
    case ProutAction::reserve: return do_reserve(state, nexus, req);
    case ProutAction::release: return do_release(state, nexus, req);
    case ProutAction::clear: return do_clear(state, nexus, req);
    case ProutAction::preempt: return do_preempt(state, nexus, req, false);
    case ProutAction::preempt_and_abort: return do_preempt(state, nexus, req, true);
    case ProutAction::register_and_move: return do_register_and_move(state, nexus, req);
  }
  return outcome(Kind::invalid_field_in_cdb, 1);
}

}  // namespace uiscsi::target::scsi::detail
