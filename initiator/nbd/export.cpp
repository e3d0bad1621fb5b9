// Describing a block device as an NBD export (initiator/nbd/export.h).
#include "initiator/nbd/export.h"

#include <algorithm>
#include <array>

#include "initiator/block_device.h"
#include "initiator/error.h"
#include "initiator/nbd/protocol.h"
#include "initiator/scsi_retry.h"
#include "initiator/session.h"
#include "iscsi/scsi_cdb_build.h"
#include "iscsi/scsi_lun.h"
#include "iscsi/sense_codes.h"

namespace uiscsi::initiator::nbd {

namespace asio = boost::asio;

asio::awaitable<bool> write_protected(BlockDevice& device) {
  // The 4-byte mode parameter header is all we need: byte 2 bit 7 is WP for SBC devices.
  std::array<std::byte, 4> header{};
  const iovec iov{header.data(), header.size()};
  Command c;
  c.lun = iscsi::scsi::encode_lun(device.lun()).value_or(0);
  c.cdb = iscsi::scsi::cdb::mode_sense_6(0x3f, 0, static_cast<std::uint8_t>(header.size()), /*dbd=*/true);
  c.direction = DataDirection::read;
  c.buffers = {&iov, 1};
  c.transfer_length = static_cast<std::uint32_t>(header.size());
  const CommandResult r = co_await execute_with_retries(device.session(), c);
  if (r.ec || r.data_in_bytes < 3) co_return false;
  co_return (static_cast<std::uint8_t>(header[2]) & 0x80) != 0;
}

ExportDescription describe(const BlockDevice& device, std::string name, std::string description, bool read_only) {
  const BlockGeometry& g = device.geometry();
  ExportDescription e;
  e.name = std::move(name);
  e.description = std::move(description);
  e.size = g.size();
  e.minimum_block = g.block_size;
  e.preferred_block = std::max(g.physical_block_size, g.block_size);
  const std::uint64_t max_transfer = std::uint64_t{device.limits().max_transfer_blocks} * g.block_size;
  std::uint64_t maximum = std::min<std::uint64_t>(max_transfer, kMaxPayload);
  maximum = std::max<std::uint64_t>(maximum - maximum % g.block_size, e.preferred_block);
  e.maximum_block = static_cast<std::uint32_t>(maximum);
  e.flags = NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_FLUSH | NBD_FLAG_SEND_FUA | NBD_FLAG_SEND_WRITE_ZEROES |
            NBD_FLAG_SEND_FAST_ZERO | NBD_FLAG_CAN_MULTI_CONN;
  if (device.provisioning().unmap) e.flags |= NBD_FLAG_SEND_TRIM;
  if (read_only) e.flags |= NBD_FLAG_READ_ONLY;
  return e;
}

std::uint32_t to_nbd_error(const std::error_code& ec) noexcept {
  using iscsi::scsi::SenseKey;
  if (!ec) return 0;
  if (const auto sense = iscsi::scsi::to_sense_code(ec)) {
    if (sense->key == SenseKey::data_protect) {
      // SPACE ALLOCATION FAILED WRITE PROTECT (27h/07h): a thin LUN ran out of space.
      return sense->additional == iscsi::scsi::AdditionalSense{0x27, 0x07} ? NBD_ENOSPC : NBD_EPERM;
    }
    if (sense->key == SenseKey::illegal_request && sense->additional == iscsi::scsi::asc::lba_out_of_range)
      return NBD_EINVAL;
    return NBD_EIO;
  }
  if (ec == errc::unaligned || ec == errc::out_of_range) return NBD_EINVAL;
  if (ec == errc::not_supported) return NBD_ENOTSUP;
  if (ec == std::errc::not_enough_memory) return NBD_ENOMEM;
  return NBD_EIO;
}

}  // namespace uiscsi::initiator::nbd
