// SYNCHRONIZE CACHE (10) and (16) (SBC-3 5.22, 5.23). The backend flushes everything; the
// range only has to be valid. IMMED is honoured by completing after the flush, which the
// standard allows (the flush is then simply done early).
#include "iscsi/scsi_cdb.h"
#include "target/scsi/detail/block_io.h"
#include "target/scsi/detail/handlers.h"
#include "target/scsi/detail/lu_state.h"

namespace uiscsi::target::scsi::detail {

Response handle_synchronize_cache(Request& req) {
  iscsi::scsi::SynchronizeCacheCdb cdb;
  if (auto ec = iscsi::scsi::decode_synchronize_cache(req.cdb(), cdb)) return cdb_error(req, ec);
  LuState& lu = req.lu;
  if (cdb.blocks == 0) {
    // NUMBER OF LOGICAL BLOCKS 0: from the LBA to the end of the medium.
    if (cdb.lba > lu.block_count.load(std::memory_order_relaxed)) return lba_out_of_range(req);
  } else if (auto r = check_range(req, cdb.lba, cdb.blocks)) {
    return std::move(*r);
  }
  if (auto ec = lu.backend->flush()) return backend_failure(req, ec, IoDirection::write);
  return good(req);
}

}  // namespace uiscsi::target::scsi::detail
