// VERIFY (10, 12, 16) (SBC-3 5.41-5.43): BYTCHK 00b reads the blocks, 01b compares them
// with Data-Out, 11b compares every block with the one block of Data-Out.
#include "target/scsi/detail/block_io.h"
#include "target/scsi/detail/handlers.h"
#include "target/scsi/detail/lu_state.h"

namespace uiscsi::target::scsi::detail {

Response handle_verify(Request& req) {
  iscsi::scsi::ReadWrite rw;
  if (auto ec = iscsi::scsi::decode_read_write(req.cdb(), rw)) return cdb_error(req, ec);
  const std::uint64_t data_blocks = rw.data_blocks();
  req.expected_length = clamp_bytes(data_blocks, req.lu.block_size);
  if (auto r = check_range(req, rw.lba, rw.transfer_length)) return std::move(*r);
  // The transfer limit bounds Data-Out, so it applies only when there is some.
  if (data_blocks > 0) {
    if (auto r = check_transfer(req, data_blocks, transfer_length_field(rw))) return std::move(*r);
  }
  if (rw.transfer_length == 0) return good(req);
  if (rw.bytchk == 0) {
    if (auto r = read_to_verify(req, rw.lba, rw.transfer_length)) return std::move(*r);
    return good(req);
  }
  if (auto r = check_data_out(req, req.expected_length)) return std::move(*r);
  if (auto r = read_and_compare(req, rw.lba, rw.transfer_length, req.command.data_out.first(req.expected_length))) {
    return std::move(*r);
  }
  return good(req);
}

}  // namespace uiscsi::target::scsi::detail
