// The I/O of BlockDevice (initiator/block_device.h); the probe is in block_probe.cpp.
#include "initiator/block_device.h"

#include <algorithm>

#include "initiator/detail/iovec.h"
#include "initiator/error.h"
#include "initiator/session.h"
#include "iscsi/scsi_capacity.h"
#include "iscsi/scsi_cdb_build.h"
#include "iscsi/scsi_unmap.h"
#include "iscsi/sense_codes.h"

namespace uiscsi::initiator {

namespace asio = boost::asio;
namespace cdb = iscsi::scsi::cdb;

namespace {

// READ/WRITE (10) address 2^32 blocks and move at most 65535 at once (SBC-3 5.11, 5.32).
bool fits_10(std::uint64_t lba, std::uint64_t blocks) {
  return blocks <= 0xffff && lba + blocks <= 0x100000000ull;
}

bool refused(const std::error_code& ec) {
  const auto code = iscsi::scsi::to_sense_code(ec);
  return code && code->key == iscsi::scsi::SenseKey::illegal_request;
}

}  // namespace

std::error_code BlockDevice::check_range(std::uint64_t offset, std::uint64_t length) const noexcept {
  if (offset % geometry_.block_size != 0 || length % geometry_.block_size != 0) return errc::unaligned;
  if (offset > geometry_.size() || length > geometry_.size() - offset) return errc::out_of_range;
  return {};
}

asio::awaitable<std::error_code> BlockDevice::read(std::uint64_t offset, std::span<const iovec> buffers) {
  co_return co_await transfer(false, offset, buffers, false);
}

asio::awaitable<std::error_code> BlockDevice::write(std::uint64_t offset, std::span<const iovec> buffers, bool fua) {
  co_return co_await transfer(true, offset, buffers, fua);
}

asio::awaitable<std::error_code> BlockDevice::transfer(bool write, std::uint64_t offset, std::span<const iovec> buffers,
                                                       bool fua) {
  const std::uint64_t length = detail::total_size(buffers);
  if (auto ec = check_range(offset, length)) co_return ec;
  const std::uint64_t bs = geometry_.block_size;
  const std::uint64_t max_bytes = std::uint64_t{limits_.max_transfer_blocks} * bs;
  std::vector<iovec> chunk;
  for (std::uint64_t done = 0; done < length;) {
    const std::uint64_t n = std::min(length - done, max_bytes);
    chunk.clear();
    detail::slice(buffers, done, n, chunk);
    const std::uint64_t lba = (offset + done) / bs;
    const std::uint64_t blocks = n / bs;
    const cdb::RwFlags flags{.fua = fua, .dpo = false, .protect = 0, .group = 0};
    Command c;
    c.lun = lun_field_;
    if (fits_10(lba, blocks)) {
      const auto lba32 = static_cast<std::uint32_t>(lba);
      const auto blocks16 = static_cast<std::uint16_t>(blocks);
      c.cdb = write ? cdb::write_10(lba32, blocks16, flags) : cdb::read_10(lba32, blocks16, flags);
    } else {
      const auto blocks32 = static_cast<std::uint32_t>(blocks);
      c.cdb = write ? cdb::write_16(lba, blocks32, flags) : cdb::read_16(lba, blocks32, flags);
    }
    c.direction = write ? DataDirection::write : DataDirection::read;
    c.buffers = chunk;
    c.transfer_length = static_cast<std::uint32_t>(n);
    const CommandResult r = co_await execute_with_retries(session_, c, options_.retries);
    if (r.ec) co_return r.ec;
    // GOOD with a residual: the target moved less than asked for, which a block device
    // must never do.
    if (r.residual_underflow && r.residual_count != 0) co_return make_error_code(errc::data_lost);
    done += n;
  }
  co_return std::error_code{};
}

asio::awaitable<std::error_code> BlockDevice::flush() {
  Command c;
  c.lun = lun_field_;
  c.cdb = cdb::synchronize_cache_10();  // LBA 0, 0 blocks: the whole medium (SBC-3 5.22)
  co_return (co_await execute_with_retries(session_, c, options_.retries)).ec;
}

asio::awaitable<std::error_code> BlockDevice::synchronize(std::uint64_t lba, std::uint64_t blocks) {
  Command c;
  c.lun = lun_field_;
  for (std::uint64_t done = 0; done < blocks;) {
    const std::uint64_t n = std::min<std::uint64_t>(blocks - done, 0xffffffffu);
    c.cdb = fits_10(lba + done, n) ? cdb::synchronize_cache_10(static_cast<std::uint32_t>(lba + done),
                                                               static_cast<std::uint16_t>(n))
                                   : cdb::synchronize_cache_16(lba + done, static_cast<std::uint32_t>(n));
    if (auto ec = (co_await execute_with_retries(session_, c, options_.retries)).ec) co_return ec;
    done += n;
  }
  co_return std::error_code{};
}

asio::awaitable<std::error_code> BlockDevice::trim(std::uint64_t offset, std::uint64_t length) {
  if (auto ec = check_range(offset, length)) co_return ec;
  if (!provisioning_.unmap) co_return make_error_code(errc::not_supported);
  const std::uint64_t bs = geometry_.block_size;
  std::uint64_t lba = offset / bs;
  std::uint64_t left = length / bs;
  const std::size_t max_descriptors =
      std::min<std::size_t>(limits_.max_unmap_descriptors, iscsi::scsi::kMaxUnmapDescriptors);
  std::vector<iscsi::scsi::UnmapDescriptor> descriptors;
  std::vector<std::byte> list;
  while (left > 0) {
    // One UNMAP: at most MAXIMUM UNMAP LBA COUNT blocks in all, in at most MAXIMUM UNMAP
    // BLOCK DESCRIPTOR COUNT descriptors of at most 2^32 - 1 blocks (SBC-3 5.28, 6.5.3).
    descriptors.clear();
    std::uint64_t budget = std::min<std::uint64_t>(left, limits_.max_unmap_blocks);
    while (budget > 0 && descriptors.size() < max_descriptors) {
      const auto n = static_cast<std::uint32_t>(std::min<std::uint64_t>(budget, 0xffffffffu));
      descriptors.push_back({lba, n});
      lba += n;
      left -= n;
      budget -= n;
    }
    if (auto ec = iscsi::scsi::encode_unmap_list(descriptors, list)) co_return ec;
    const iovec iov{list.data(), list.size()};
    Command c;
    c.lun = lun_field_;
    c.cdb = cdb::unmap(static_cast<std::uint16_t>(list.size()));
    c.direction = DataDirection::write;
    c.buffers = {&iov, 1};
    c.transfer_length = static_cast<std::uint32_t>(list.size());
    if (auto ec = (co_await execute_with_retries(session_, c, options_.retries)).ec) co_return ec;
  }
  co_return std::error_code{};
}

asio::awaitable<std::error_code> BlockDevice::write_zeroes(std::uint64_t offset, std::uint64_t length, bool fua,
                                                           bool may_trim) {
  if (auto ec = check_range(offset, length)) co_return ec;
  const std::uint64_t bs = geometry_.block_size;
  const std::uint64_t lba = offset / bs;
  const std::uint64_t blocks = length / bs;
  if (blocks == 0) co_return std::error_code{};
  if (!write_same_refused_) {
    const std::error_code ec = co_await write_same(lba, blocks, may_trim && provisioning_.write_same_unmap);
    if (!ec && !fua) co_return std::error_code{};
    if (!ec) co_return co_await synchronize(lba, blocks);
    if (!refused(ec)) co_return ec;
    write_same_refused_ = true;  // the LUN has no WRITE SAME (16): write the zeroes
  }
  co_return co_await write_zero_buffers(lba, blocks, fua);
}

asio::awaitable<std::error_code> BlockDevice::write_same(std::uint64_t lba, std::uint64_t blocks, bool unmap) {
  // The Data-Out is one logical block of zeroes (SBC-3 5.44), repeated by the target.
  const iovec iov{zeroes_.data(), geometry_.block_size};
  Command c;
  c.lun = lun_field_;
  c.direction = DataDirection::write;
  c.buffers = {&iov, 1};
  c.transfer_length = geometry_.block_size;
  for (std::uint64_t done = 0; done < blocks;) {
    const auto n = static_cast<std::uint32_t>(std::min<std::uint64_t>(blocks - done, limits_.max_write_same_blocks));
    c.cdb = cdb::write_same_16(lba + done, n, {.unmap = unmap, .anchor = false, .ndob = false, .protect = 0, .group = 0});
    if (auto ec = (co_await execute_with_retries(session_, c, options_.retries)).ec) co_return ec;
    done += n;
  }
  co_return std::error_code{};
}

asio::awaitable<std::error_code> BlockDevice::write_zero_buffers(std::uint64_t lba, std::uint64_t blocks, bool fua) {
  // Every iovec points at the same zero block: a large zero write costs no large buffer.
  const std::uint64_t per_command = std::min<std::uint64_t>(limits_.max_transfer_blocks, 4096);
  std::vector<iovec> iov(per_command, iovec{zeroes_.data(), geometry_.block_size});
  for (std::uint64_t done = 0; done < blocks;) {
    const std::uint64_t n = std::min(blocks - done, per_command);
    if (auto ec = co_await write((lba + done) * geometry_.block_size, std::span(iov).first(n), fua)) co_return ec;
    done += n;
  }
  co_return std::error_code{};
}

asio::awaitable<LbaStatus> BlockDevice::lba_status(std::uint64_t offset) {
  LbaStatus out;
  out.offset = offset;
  if (offset >= geometry_.size()) {
    out.ec = make_error_code(errc::out_of_range);
    co_return out;
  }
  if ((out.ec = check_range(offset, 0))) co_return out;
  if (!provisioning_.thin) {  // SBC-3 5.8: without LBPME every block is mapped
    out.length = geometry_.size() - offset;
    co_return out;
  }
  constexpr std::uint32_t kLength = 8 + 16 * 32;
  std::vector<std::byte> data(kLength);
  const iovec iov{data.data(), data.size()};
  const std::uint64_t lba = offset / geometry_.block_size;
  Command c;
  c.lun = lun_field_;
  c.cdb = cdb::get_lba_status(lba, kLength);
  c.direction = DataDirection::read;
  c.buffers = {&iov, 1};
  c.transfer_length = kLength;
  const CommandResult r = co_await execute_with_retries(session_, c, options_.retries);
  if (r.ec) {
    out.ec = refused(r.ec) ? make_error_code(errc::not_supported) : r.ec;
    co_return out;
  }
  std::vector<iscsi::scsi::LbaStatusDescriptor> descriptors;
  if ((out.ec = iscsi::scsi::parse_lba_status(std::span(data).first(r.data_in_bytes), descriptors))) co_return out;
  // SBC-3 5.8.2: the first descriptor covers the requested LBA.
  for (const auto& d : descriptors) {
    if (d.lba <= lba && lba < d.lba + d.blocks) {
      out.length = (d.lba + d.blocks - lba) * geometry_.block_size;
      out.length = std::min(out.length, geometry_.size() - offset);
      out.status = static_cast<BlockStatus>(d.status);
      co_return out;
    }
  }
  out.ec = make_error_code(errc::protocol_error);
  co_return out;
}

}  // namespace uiscsi::initiator
