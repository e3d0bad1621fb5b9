// READ and WRITE (6, 10, 12, 16) and WRITE AND VERIFY (10, 12, 16) (SBC-3 5.10-5.14,
// 5.35-5.40). Data moves straight between the caller's Data-In/Data-Out buffers and the
// backend; only a trailing partial block of a short Data-In buffer is bounced. A READ of
// whole blocks that lie in one file is not read at all when the caller can send it from
// the file (Command::data_in_from_file).
#include <algorithm>
#include <cstring>
#include <vector>

#include "target/scsi/detail/block_io.h"
#include "target/scsi/detail/handlers.h"
#include "target/scsi/detail/lu_state.h"

namespace uiscsi::target::scsi::detail {
namespace {

// Decodes and runs the checks every READ/WRITE/WRITE AND VERIFY gets; sets expected_length.
std::optional<Response> decode(Request& req, iscsi::scsi::ReadWrite& rw, bool writes) {
  if (auto ec = iscsi::scsi::decode_read_write(req.cdb(), rw)) return cdb_error(req, ec);
  req.expected_length = clamp_bytes(rw.transfer_length, req.lu.block_size);
  if (writes) {
    if (auto r = check_writable(req)) return r;
  }
  if (auto r = check_range(req, rw.lba, rw.transfer_length)) return r;
  if (auto r = check_transfer(req, rw.transfer_length, transfer_length_field(rw))) return r;
  return std::nullopt;
}

// How many blocks of the write arrived. RFC 7143 11.4.5.1: when the initiator's
// ExpectedDataTransferLength is below the CDB's transfer length (Residual Overflow), the
// target transfers only what the initiator expected, so only the blocks that arrived are
// written and the caller reports the rest as the residual. A block is written whole or not
// at all: a Data-Out that ends inside a block fails the command and writes nothing
// (ILLEGAL REQUEST, INVALID FIELD IN INFORMATION UNIT).
std::optional<Response> arrived_blocks(Request& req, const iscsi::scsi::ReadWrite& rw, std::uint64_t& blocks) {
  const std::size_t bs = req.lu.block_size;
  const std::size_t arrived = req.command.data_out.size();
  if (arrived >= req.expected_length) {
    blocks = rw.transfer_length;
    return std::nullopt;
  }
  if (arrived % bs != 0) return check_data_out(req, req.expected_length);
  blocks = arrived / bs;
  return std::nullopt;
}

// Writes the first `blocks` blocks of the command's Data-Out; shared by WRITE and WRITE
// AND VERIFY.
std::optional<Response> write_data(Request& req, const iscsi::scsi::ReadWrite& rw, std::uint64_t blocks, bool fua) {
  LuState& lu = req.lu;
  const std::size_t bytes = static_cast<std::size_t>(blocks) * lu.block_size;
  // Shared hold of the range: a concurrent COMPARE AND WRITE sees all of this write or none.
  auto guard = lu.range_lock.lock_shared(rw.lba, blocks);
  if (auto ec = lu.backend->write(rw.lba, req.command.data_out.first(bytes), force_unit_access(req, fua))) {
    return backend_failure(req, ec, IoDirection::write);
  }
  return std::nullopt;
}

}  // namespace

Response handle_read(Request& req) {
  iscsi::scsi::ReadWrite rw;
  if (auto r = decode(req, rw, false)) return std::move(*r);
  LuState& lu = req.lu;
  const std::size_t bs = lu.block_size;
  // A Data-In buffer shorter than the transfer (ExpectedDataTransferLength below the CDB's
  // length) gets what fits; the caller reports the overflow residual (RFC 7143 11.4.5.1).
  const std::size_t bytes = std::min<std::size_t>(req.expected_length, req.command.data_in.size());
  const std::size_t whole = bytes - bytes % bs;
  if (req.command.data_in_from_file && whole > 0 && whole == bytes) {
    if (auto extent = lu.backend->file_extent(rw.lba, whole / bs)) {
      Response r = good_with_data(req, static_cast<std::uint32_t>(bytes));
      r.data_in_file = extent;
      return r;
    }
  }
  if (whole > 0) {
    if (auto ec = lu.backend->read(rw.lba, req.command.data_in.first(whole))) {
      return backend_failure(req, ec, IoDirection::read);
    }
  }
  if (whole < bytes) {
    std::vector<std::byte> block(bs);
    if (auto ec = lu.backend->read(rw.lba + whole / bs, block)) return backend_failure(req, ec, IoDirection::read);
    std::memcpy(req.command.data_in.data() + whole, block.data(), bytes - whole);
  }
  return good_with_data(req, static_cast<std::uint32_t>(bytes));
}

Response handle_write(Request& req) {
  iscsi::scsi::ReadWrite rw;
  if (auto r = decode(req, rw, true)) return std::move(*r);
  std::uint64_t blocks = 0;
  if (auto r = arrived_blocks(req, rw, blocks)) return std::move(*r);
  if (blocks == 0) return good(req);
  if (auto r = write_data(req, rw, blocks, rw.fua)) return std::move(*r);
  return good(req);
}

// The data is written through to the medium and read back: BYTCHK 00b checks that it reads,
// 01b also compares it with Data-Out (SBC-3 5.47). Only the blocks that arrived are written
// and verified (arrived_blocks).
Response handle_write_and_verify(Request& req) {
  iscsi::scsi::ReadWrite rw;
  if (auto r = decode(req, rw, true)) return std::move(*r);
  std::uint64_t blocks = 0;
  if (auto r = arrived_blocks(req, rw, blocks)) return std::move(*r);
  if (blocks == 0) return good(req);
  if (auto r = write_data(req, rw, blocks, true)) return std::move(*r);
  if (rw.bytchk == 0) {
    if (auto r = read_to_verify(req, rw.lba, blocks)) return std::move(*r);
  } else if (auto r = read_and_compare(req, rw.lba, blocks, req.command.data_out.first(blocks * req.lu.block_size))) {
    return std::move(*r);
  }
  return good(req);
}

}  // namespace uiscsi::target::scsi::detail
