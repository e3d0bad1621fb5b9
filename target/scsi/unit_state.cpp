// TEST UNIT READY (SPC-4 6.47), START STOP UNIT (SBC-3 5.20) and PREVENT ALLOW MEDIUM
// REMOVAL (SBC-3 5.9). The medium is not removable (RMB = 0).
#include "target/scsi/detail/bytes.h"
#include "target/scsi/detail/handlers.h"
#include "target/scsi/detail/lu_state.h"

namespace uiscsi::target::scsi::detail {
namespace {

// POWER CONDITION values SBC-3 table 62 defines besides 0h (START_VALID).
bool known_power_condition(std::uint8_t pc) {
  switch (pc) {
    case 0x1: case 0x2: case 0x3: case 0x7: case 0xa: case 0xb: return true;
    default: return false;
  }
}

}  // namespace

// The NOT READY case is handled by the dispatcher (TEST UNIT READY is a medium access).
Response handle_test_unit_ready(Request& req) { return good(req); }

Response handle_start_stop_unit(Request& req) {
  const auto cdb = req.cdb();
  const std::uint8_t power_condition = get_u8(cdb, 4) >> 4;
  const bool no_flush = get_bit(cdb, 4, 2);
  const bool loej = get_bit(cdb, 4, 1);
  const bool start = get_bit(cdb, 4, 0);
  LuState& lu = req.lu;
  if (power_condition != 0) {
    // A virtual disk has no power states to enter; START and LOEJ are ignored then.
    if (!known_power_condition(power_condition)) return invalid_field_in_cdb(req, 4, 7);
    return good(req);
  }
  if (loej) return invalid_field_in_cdb(req, 4, 1);  // nothing to load or eject
  if (!start && !no_flush) {
    // Stopping makes cached data stable first (SBC-3 5.20).
    if (auto ec = lu.backend->flush()) return backend_failure(req, ec, IoDirection::write);
  }
  lu.stopped.store(!start, std::memory_order_relaxed);
  return good(req);
}

// With no removable medium there is nothing to lock; SBC-3 still defines the command, so
// valid requests succeed and the obsolete PREVENT values are refused.
Response handle_prevent_allow_medium_removal(Request& req) {
  if (get_u8(req.cdb(), 4) > 1) return invalid_field_in_cdb(req, 4, 1);
  return good(req);
}

}  // namespace uiscsi::target::scsi::detail
