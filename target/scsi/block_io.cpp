#include "target/scsi/detail/block_io.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "target/scsi/detail/asc.h"
#include "target/scsi/detail/lu_state.h"

namespace uiscsi::target::scsi::detail {
namespace {

using iscsi::scsi::Opcode;
using iscsi::scsi::SenseKey;
namespace asc = iscsi::scsi::asc;

// Verification reads go through a bounce buffer of at most this many bytes.
constexpr std::size_t kVerifyChunkBytes = 1 << 20;

}  // namespace

std::uint16_t transfer_length_field(const iscsi::scsi::ReadWrite& rw) noexcept {
  switch (iscsi::scsi::cdb_length(static_cast<std::uint8_t>(rw.opcode))) {
    case 6: return 4;
    case 10: return 7;
    case 12: return 6;
    default: return rw.opcode == Opcode::compare_and_write ? 13 : 10;
  }
}

std::uint32_t clamp_bytes(std::uint64_t blocks, std::uint32_t block_size) noexcept {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint32_t>::max();
  return blocks > kMax / block_size ? static_cast<std::uint32_t>(kMax) : static_cast<std::uint32_t>(blocks * block_size);
}

std::optional<Response> check_range(Request& req, std::uint64_t lba, std::uint64_t blocks) {
  if (!req.lu.in_range(lba, blocks)) return lba_out_of_range(req);
  return std::nullopt;
}

std::optional<Response> check_transfer(Request& req, std::uint64_t blocks, std::uint16_t field) {
  if (blocks > req.lu.max_transfer_blocks()) return invalid_field_in_cdb(req, field);
  return std::nullopt;
}

std::optional<Response> check_writable(Request& req) {
  if (req.lu.write_protected()) return write_protected(req);
  return std::nullopt;
}

std::optional<Response> check_data_out(Request& req, std::uint64_t bytes) {
  if (req.command.data_out.size() < bytes) {
    return check_condition(req, SenseKey::illegal_request, asc_extra::invalid_field_in_information_unit);
  }
  return std::nullopt;
}

bool force_unit_access(const Request& req, bool fua) noexcept { return fua || !req.lu.mode.write_cache_enabled(); }

Response miscompare(const Request& req, std::uint64_t offset) {
  iscsi::scsi::SenseData sense;
  sense.code = {SenseKey::miscompare, asc::miscompare_during_verify};
  sense.information = offset;
  return check_condition(req, sense);
}

std::optional<Response> read_and_compare(Request& req, std::uint64_t lba, std::uint64_t blocks,
                                         std::span<const std::byte> expected) {
  const std::size_t bs = req.lu.block_size;
  const bool one_pattern = expected.size() == bs && blocks > 1;
  const std::uint64_t chunk_blocks = std::max<std::size_t>(1, kVerifyChunkBytes / bs);
  std::vector<std::byte> buffer(static_cast<std::size_t>(std::min(blocks, chunk_blocks)) * bs);
  for (std::uint64_t done = 0; done < blocks;) {
    const std::uint64_t n = std::min(blocks - done, chunk_blocks);
    const std::span<std::byte> got(buffer.data(), static_cast<std::size_t>(n) * bs);
    if (auto ec = req.lu.backend->read(lba + done, got)) return backend_failure(req, ec, IoDirection::read);
    for (std::uint64_t b = 0; b < n; ++b) {
      const std::size_t offset_in_expected = one_pattern ? 0 : static_cast<std::size_t>(done + b) * bs;
      const std::byte* want = expected.data() + offset_in_expected;
      const std::byte* have = got.data() + b * bs;
      if (std::memcmp(want, have, bs) == 0) continue;
      const auto diff = static_cast<std::size_t>(std::mismatch(want, want + bs, have).first - want);
      return miscompare(req, (done + b) * bs + diff);
    }
    done += n;
  }
  return std::nullopt;
}

std::optional<Response> read_to_verify(Request& req, std::uint64_t lba, std::uint64_t blocks) {
  const std::size_t bs = req.lu.block_size;
  const std::uint64_t chunk_blocks = std::max<std::size_t>(1, kVerifyChunkBytes / bs);
  std::vector<std::byte> buffer(static_cast<std::size_t>(std::min(blocks, chunk_blocks)) * bs);
  for (std::uint64_t done = 0; done < blocks;) {
    const std::uint64_t n = std::min(blocks - done, chunk_blocks);
    if (auto ec = req.lu.backend->read(lba + done, {buffer.data(), static_cast<std::size_t>(n) * bs})) {
      return backend_failure(req, ec, IoDirection::read);
    }
    done += n;
  }
  return std::nullopt;
}

}  // namespace uiscsi::target::scsi::detail
