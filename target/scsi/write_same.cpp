// WRITE SAME (10) and (16) (SBC-3 5.44, 5.45): one block of Data-Out (or zeroes with NDOB)
// written to every block of the range. With UNMAP on a thin-provisioned logical unit the
// range is deallocated instead, whatever the block holds (SBC-3 4.7.3.4: the UNMAP bit
// asks for deallocation; LBPRZ then says deallocated blocks read as zeroes, which is what
// libiscsi's WRITE SAME tests check).
#include <algorithm>
#include <vector>

#include "target/scsi/detail/block_io.h"
#include "target/scsi/detail/handlers.h"
#include "target/scsi/detail/lu_state.h"

namespace uiscsi::target::scsi::detail {
namespace {

// The pattern block is replicated into a buffer of about this size, written repeatedly.
constexpr std::size_t kPatternBytes = 1 << 20;

bool all_zero(std::span<const std::byte> block) {
  return std::all_of(block.begin(), block.end(), [](std::byte b) { return b == std::byte{0}; });
}

std::error_code write_pattern(LuState& lu, std::uint64_t lba, std::uint64_t blocks, std::span<const std::byte> block,
                              bool fua) {
  const std::size_t bs = lu.block_size;
  const std::size_t per_write = std::max<std::size_t>(1, kPatternBytes / bs);
  std::vector<std::byte> buffer(std::min<std::uint64_t>(blocks, per_write) * bs);
  for (std::size_t off = 0; off < buffer.size(); off += bs) std::copy(block.begin(), block.end(), buffer.begin() + off);
  for (std::uint64_t done = 0; done < blocks;) {
    const std::uint64_t n = std::min<std::uint64_t>(blocks - done, per_write);
    if (auto ec = lu.backend->write(lba + done, {buffer.data(), static_cast<std::size_t>(n) * bs}, fua)) return ec;
    done += n;
  }
  return {};
}

}  // namespace

Response handle_write_same(Request& req) {
  iscsi::scsi::ReadWrite rw;
  if (auto ec = iscsi::scsi::decode_read_write(req.cdb(), rw)) return cdb_error(req, ec);
  LuState& lu = req.lu;
  req.expected_length = clamp_bytes(rw.data_blocks(), lu.block_size);
  if (auto r = check_writable(req)) return std::move(*r);
  const std::uint64_t count = lu.block_count.load(std::memory_order_relaxed);
  if (rw.lba > count) return lba_out_of_range(req);
  // NUMBER OF LOGICAL BLOCKS 0: to the last block (WSNZ = 0 in the Block Limits page).
  const std::uint64_t blocks = rw.transfer_length == 0 ? count - rw.lba : rw.transfer_length;
  if (auto r = check_range(req, rw.lba, blocks)) return std::move(*r);
  if (blocks > lu.config.max_write_same_blocks) return invalid_field_in_cdb(req, transfer_length_field(rw));
  // Exactly one block of Data-Out unless NDOB.
  if (!rw.ndob) {
    if (auto r = check_data_out(req, lu.block_size)) return std::move(*r);
    if (req.command.data_out.size() != lu.block_size) return invalid_field_in_cdb(req, transfer_length_field(rw));
  }
  // A logical unit that cannot deallocate says so (LBPWS = LBPWS10 = 0 in the Logical Block
  // Provisioning VPD page) and refuses the UNMAP bit rather than quietly writing zeroes:
  // initiators decide from the answer whether WRITE SAME can thin out blocks (SBC-3 5.44).
  if (rw.unmap && !lu.features.unmap) return invalid_field_in_cdb(req, 1, 3);
  if (blocks == 0) return good(req);

  const bool zeroes = rw.ndob || all_zero(req.command.data_out.first(lu.block_size));
  const bool fua = force_unit_access(req, false);
  auto guard = lu.range_lock.lock_shared(rw.lba, blocks);
  std::error_code ec;
  if (rw.unmap) ec = lu.backend->unmap(rw.lba, blocks);
  // Without deallocation (no UNMAP bit, or a backend that turned out unable to), the data
  // is written.
  if (!rw.unmap || ec == backend_errc::not_supported) {
    ec = zeroes ? lu.backend->write_zeroes(rw.lba, blocks, fua)
                : write_pattern(lu, rw.lba, blocks, req.command.data_out.first(lu.block_size), fua);
  }
  if (ec) return backend_failure(req, ec, IoDirection::write);
  return good(req);
}

}  // namespace uiscsi::target::scsi::detail
