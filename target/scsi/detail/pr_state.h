// Persistent reservation state (SPC-4 5.12) and the PERSISTENT RESERVE OUT rules applied
// to it, as pure functions: no locking, no I/O. detail/reservations.h wraps them with a
// lock, persistence and unit attentions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "iscsi/sense_codes.h"
#include "target/scsi/command.h"
#include "target/scsi/detail/transport_id.h"

namespace uiscsi::target::scsi::detail {

// TYPE field (SPC-4 6.15.4 table: persistent reservation type codes).
enum class PrType : std::uint8_t {
  write_exclusive = 0x1,
  exclusive_access = 0x3,
  write_exclusive_registrants_only = 0x5,
  exclusive_access_registrants_only = 0x6,
  write_exclusive_all_registrants = 0x7,
  exclusive_access_all_registrants = 0x8,
};
bool valid_pr_type(std::uint8_t type) noexcept;
// The two "all registrants" types: every registrant is a reservation holder.
bool all_registrants(PrType type) noexcept;

// PERSISTENT RESERVE OUT service actions (SPC-4 6.16.2).
enum class ProutAction : std::uint8_t {
  register_key = 0x0,
  reserve = 0x1,
  release = 0x2,
  clear = 0x3,
  preempt = 0x4,
  preempt_and_abort = 0x5,
  register_and_ignore_existing_key = 0x6,
  register_and_move = 0x7,
};

// One registered I_T nexus (or, for a name-only SPEC_I_PT TransportID, every initiator
// port of one initiator) with its reservation key.
struct Registrant {
  std::uint64_t id = 0;  // stable handle within one PrState (the reservation refers to it)
  InitiatorPort initiator;
  std::uint16_t relative_target_port_id = 0;
  bool all_target_ports = false;  // ALL_TG_PT: registered through every target port
  std::uint64_t key = 0;

  bool matches(const InitiatorPort& port, std::uint16_t relative_target_port_id) const noexcept;
  bool matches(const Nexus& nexus) const;
  friend bool operator==(const Registrant&, const Registrant&) = default;
};

struct PrReservation {
  PrType type = PrType::write_exclusive;
  std::uint64_t holder = 0;  // Registrant::id; unused for the all-registrants types

  friend bool operator==(const PrReservation&, const PrReservation&) = default;
};

struct PrState {
  std::uint32_t generation = 0;  // PRGENERATION
  std::vector<Registrant> registrants;
  std::optional<PrReservation> reservation;
  bool aptpl = false;  // persist through power loss
  std::uint64_t next_id = 1;

  // The registration covering `nexus`, if any.
  const Registrant* find(const Nexus& nexus) const;
  Registrant* find(const Nexus& nexus);
  const Registrant* find_id(std::uint64_t id) const;
  // Is `nexus` a reservation holder (SPC-4 5.12.10)?
  bool is_holder(const Nexus& nexus) const;
  // The reservation key READ RESERVATION reports: the holder's key, 0 for all-registrants.
  std::uint64_t reservation_key() const;

  friend bool operator==(const PrState&, const PrState&) = default;
};

// How a command relates to persistent reservations (SPC-4 5.12.1 and the "commands allowed
// in the presence of reservations" tables of SPC-4 and SBC-3).
enum class PrAccess : std::uint8_t {
  allowed,  // never in conflict (INQUIRY, REPORT LUNS, TEST UNIT READY, ...)
  read,     // in conflict with exclusive-access types for those without access
  write,    // in conflict with every type for those without access
};
bool pr_conflict(const PrState& state, const Nexus& nexus, PrAccess access);

// A decoded PERSISTENT RESERVE OUT command and parameter list.
struct ProutRequest {
  ProutAction action = ProutAction::register_key;
  std::uint8_t scope = 0;
  std::uint8_t type = 0;
  std::uint64_t key = 0;                 // RESERVATION KEY
  std::uint64_t service_action_key = 0;  // SERVICE ACTION RESERVATION KEY
  bool spec_i_pt = false;
  bool all_tg_pt = false;
  bool aptpl = false;
  std::vector<InitiatorPort> transport_ids;  // SPEC_I_PT
  // REGISTER AND MOVE
  bool unreg = false;
  std::uint16_t move_relative_target_port_id = 0;
  InitiatorPort move_to;
};

// A unit attention to establish for the I_T nexuses a registrant stands for.
struct PrNotice {
  Registrant registrant;
  iscsi::scsi::AdditionalSense asc;
};

struct ProutOutcome {
  enum class Kind {
    good,
    reservation_conflict,
    invalid_field_in_cdb,             // field = CDB byte
    invalid_field_in_parameter_list,  // field = parameter list byte
    invalid_release,                  // INVALID RELEASE OF PERSISTENT RESERVATION
  };
  Kind kind = Kind::good;
  std::uint16_t field = 0;
  std::vector<PrNotice> notices;      // unit attentions to establish on success
  std::vector<Registrant> preempted;  // registrations removed by PREEMPT AND ABORT
};

// Applies `request` from `nexus` to `state`. On failure `state` may be partly modified:
// callers apply to a copy and keep it only if the outcome is good.
ProutOutcome apply_prout(PrState& state, const Nexus& nexus, const ProutRequest& request);

// APTPL state file: a small text file written atomically (temporary file, fsync, rename,
// fsync of the directory).
std::error_code save_pr_state(const std::filesystem::path& path, const PrState& state);
// Reads it back. std::errc::no_such_file_or_directory if there is none;
// target_errc::corrupt_pr_state if it does not parse.
std::error_code load_pr_state(const std::filesystem::path& path, PrState& state);

}  // namespace uiscsi::target::scsi::detail
