// COMPARE AND WRITE (SBC-3 5.2): Data-Out holds NUMBER OF LOGICAL BLOCKS blocks of verify
// data, then as many blocks of write data. The compare and the write are atomic against
// every other write to those blocks (the range lock, held exclusively).
#include "target/scsi/detail/block_io.h"
#include "target/scsi/detail/handlers.h"
#include "target/scsi/detail/lu_state.h"

namespace uiscsi::target::scsi::detail {

Response handle_compare_and_write(Request& req) {
  iscsi::scsi::ReadWrite rw;
  if (auto ec = iscsi::scsi::decode_read_write(req.cdb(), rw)) return cdb_error(req, ec);
  LuState& lu = req.lu;
  const std::uint64_t half = std::uint64_t{rw.transfer_length} * lu.block_size;
  req.expected_length = clamp_bytes(rw.data_blocks(), lu.block_size);
  if (auto r = check_writable(req)) return std::move(*r);
  if (auto r = check_range(req, rw.lba, rw.transfer_length)) return std::move(*r);
  if (rw.transfer_length > lu.config.max_compare_and_write_blocks) {
    return invalid_field_in_cdb(req, transfer_length_field(rw));
  }
  // Exactly the verify and the write data: more would mean the initiator and the CDB
  // disagree on what is being compared (a NUMBER OF LOGICAL BLOCKS of 0 with data, say).
  if (auto r = check_data_out(req, 2 * half)) return std::move(*r);
  if (req.command.data_out.size() != 2 * half) return invalid_field_in_cdb(req, transfer_length_field(rw));
  if (rw.transfer_length == 0) return good(req);  // SBC-3 5.2: not an error

  const auto verify = req.command.data_out.first(half);
  const auto write = req.command.data_out.subspan(half, half);
  auto guard = lu.range_lock.lock_exclusive(rw.lba, rw.transfer_length);
  if (auto r = read_and_compare(req, rw.lba, rw.transfer_length, verify)) return std::move(*r);
  if (auto ec = lu.backend->write(rw.lba, write, force_unit_access(req, rw.fua))) {
    return backend_failure(req, ec, IoDirection::write);
  }
  return good(req);
}

}  // namespace uiscsi::target::scsi::detail
