// PRE-FETCH (10) and (16) (SBC-3 5.9, 5.10): asks the device server to bring blocks into
// its cache. The backend only gets a hint (Backend::prefetch); nothing is read here.
#include "target/scsi/detail/block_io.h"
#include "target/scsi/detail/bytes.h"
#include "target/scsi/detail/handlers.h"
#include "target/scsi/detail/lu_state.h"

namespace uiscsi::target::scsi::detail {

Response handle_prefetch(Request& req) {
  const auto cdb = req.cdb();
  const bool ten = get_u8(cdb, 0) == 0x34;
  const std::uint64_t lba = ten ? get_be32(cdb, 2) : get_be64(cdb, 2);
  const std::uint32_t length = ten ? get_be16(cdb, 7) : get_be32(cdb, 10);
  LuState& lu = req.lu;
  const std::uint64_t count = lu.block_count.load(std::memory_order_relaxed);
  std::uint64_t blocks = length;
  if (length == 0) {
    // PREFETCH LENGTH 0: from the LBA to the end of the medium.
    if (lba > count) return lba_out_of_range(req);
    blocks = count - lba;
  } else if (auto r = check_range(req, lba, length)) {
    return std::move(*r);
  }
  if (blocks > 0) {
    if (auto ec = lu.backend->prefetch(lba, blocks)) return backend_failure(req, ec, IoDirection::read);
  }
  // GOOD, not CONDITION MET: the read-ahead runs in the background, so the blocks are not
  // known to be in a cache when the command completes (SBC-3 5.9), whatever IMMED asks.
  return good(req);
}

}  // namespace uiscsi::target::scsi::detail
