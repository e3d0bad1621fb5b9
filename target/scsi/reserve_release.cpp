// RESERVE (6) and RELEASE (6) (SPC-2 7.21, 7.17): the whole logical unit for one I_T
// nexus, until it releases it, a reset, or the loss of that nexus.
#include "target/scsi/detail/handlers.h"
#include "target/scsi/detail/lu_state.h"

namespace uiscsi::target::scsi::detail {

Response handle_reserve6(Request& req) {
  if (!req.lu.reservations.reserve6(req.nexus())) return reservation_conflict(req);
  return good(req);
}

Response handle_release6(Request& req) {
  if (!req.lu.reservations.release6(req.nexus())) return reservation_conflict(req);
  return good(req);
}

}  // namespace uiscsi::target::scsi::detail
