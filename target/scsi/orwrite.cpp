// ORWRITE (16) (SBC-3 5.15): each block on the medium becomes the bitwise OR of itself and
// the Data-Out block. The read, the OR and the write are atomic against every other write
// to those blocks (the range lock, held exclusively, as for COMPARE AND WRITE).
#include <vector>

#include "target/scsi/detail/block_io.h"
#include "target/scsi/detail/bytes.h"
#include "target/scsi/detail/handlers.h"
#include "target/scsi/detail/lu_state.h"

namespace uiscsi::target::scsi::detail {
namespace {

constexpr std::uint16_t kTransferLengthField = 10;

}  // namespace

Response handle_orwrite(Request& req) {
  const auto cdb = req.cdb();
  const bool fua = get_bit(cdb, 1, 3);
  const std::uint64_t lba = get_be64(cdb, 2);
  const std::uint32_t blocks = get_be32(cdb, kTransferLengthField);
  LuState& lu = req.lu;
  req.expected_length = clamp_bytes(blocks, lu.block_size);
  if (auto r = check_writable(req)) return std::move(*r);
  if (auto r = check_range(req, lba, blocks)) return std::move(*r);
  if (auto r = check_transfer(req, blocks, kTransferLengthField)) return std::move(*r);
  if (blocks == 0) return good(req);  // SBC-3 5.15: not an error
  // The OR needs every block of its operand: a short Data-Out writes nothing.
  if (auto r = check_data_out(req, req.expected_length)) return std::move(*r);

  const std::size_t bytes = req.expected_length;
  const auto operand = req.command.data_out.first(bytes);
  std::vector<std::byte> blocks_now(bytes);
  auto guard = lu.range_lock.lock_exclusive(lba, blocks);
  if (auto ec = lu.backend->read(lba, blocks_now)) return backend_failure(req, ec, IoDirection::read);
  for (std::size_t i = 0; i < bytes; ++i) blocks_now[i] |= operand[i];
  if (auto ec = lu.backend->write(lba, blocks_now, force_unit_access(req, fua))) {
    return backend_failure(req, ec, IoDirection::write);
  }
  return good(req);
}

}  // namespace uiscsi::target::scsi::detail
