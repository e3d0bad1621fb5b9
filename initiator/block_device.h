// An asynchronous block device over one LUN of a session: the API the NBD export,
// `uiscsi-bench io` and tools use. Offsets and lengths are bytes and must be multiples of
// the logical block size.
//
//   auto opened = co_await BlockDevice::open(session, 1);
//   BlockDevice& d = *opened.device;
//   co_await d.write(0, iovecs, /*fua=*/false);
//   co_await d.flush();
//
// open() probes the LUN: READ CAPACITY (16) (or (10)) for the geometry, the Block Limits
// VPD page (B0h) for the largest transfer and the UNMAP / WRITE SAME limits, the Logical
// Block Provisioning VPD page (B2h) and LBPME for what trim() and write_zeroes() can do.
// Requests larger than the largest transfer are split; READ/WRITE (10) are used while the
// LBA and length fit, (16) beyond. UNIT ATTENTION, BUSY and "becoming ready" are retried
// (initiator/scsi_retry.h); lost connections are the session's business (requests are held
// and sent again within the replacement timeout).
//
// Errors: errc::unaligned, errc::out_of_range, errc::not_supported, the SCSI error of a
// failed command (sense / status categories), or the session's error (session_failed...).
//
// Buffers: the iovecs passed to read()/write() and the memory they point to are the
// caller's, and must stay valid until the awaitable completes. Lifetime: the device must
// not outlive its Session; many requests may run at once on the session's io_context.
#pragma once

#include <sys/uio.h>

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "initiator/scsi_retry.h"

namespace uiscsi::initiator {

class Session;

struct BlockDeviceOptions {
  // The largest request sent as one SCSI command; the LUN's MAXIMUM TRANSFER LENGTH may
  // lower it further.
  std::uint32_t max_io_bytes = 4u << 20;
  RetryPolicy retries;
};

struct BlockGeometry {
  std::uint32_t block_size = 0;           // logical block length in bytes
  std::uint32_t physical_block_size = 0;  // block_size << LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT
  std::uint64_t blocks = 0;
  std::uint64_t size() const noexcept { return blocks * block_size; }
};

// Per-command limits in logical blocks, as the device applies them.
struct BlockLimits {
  std::uint32_t max_transfer_blocks = 0;      // READ / WRITE
  std::uint32_t optimal_transfer_blocks = 0;  // 0: not reported
  std::uint32_t max_write_same_blocks = 0;    // WRITE SAME
  std::uint32_t max_unmap_blocks = 0;         // UNMAP, in total per command
  std::uint32_t max_unmap_descriptors = 0;
  std::uint32_t unmap_granularity = 0;        // 0: not reported
};

struct Provisioning {
  bool thin = false;                 // LBPME: the LUN tracks mapped / unmapped blocks
  bool unmapped_reads_zero = false;  // LBPRZ
  bool unmap = false;                // trim() sends UNMAP
  bool write_same_unmap = false;     // write_zeroes(may_trim) sends WRITE SAME (16) with UNMAP
};

struct DeviceIdentity {
  std::string vendor, product, revision;
};

enum class BlockStatus : std::uint8_t { mapped, deallocated, anchored };

// One extent of GET LBA STATUS: [offset, offset + length) all have `status`.
struct LbaStatus {
  std::error_code ec;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  BlockStatus status = BlockStatus::mapped;
};

class BlockDevice;

struct BlockDeviceOpen {
  std::unique_ptr<BlockDevice> device;  // null on error
  std::error_code ec;
  std::string error;
};

class BlockDevice {
 public:
  // Probes LUN `lun` (a LUN number, iscsi/scsi_lun.h) of `session`. Only direct-access
  // block devices (peripheral device type 0) are accepted (errc::not_supported otherwise).
  static boost::asio::awaitable<BlockDeviceOpen> open(Session& session, std::uint16_t lun,
                                                      BlockDeviceOptions options = {});

  const BlockGeometry& geometry() const noexcept { return geometry_; }
  const BlockLimits& limits() const noexcept { return limits_; }
  const Provisioning& provisioning() const noexcept { return provisioning_; }
  const DeviceIdentity& identity() const noexcept { return identity_; }
  std::uint16_t lun() const noexcept { return lun_; }
  Session& session() const noexcept { return session_; }

  // Reads total_size(buffers) bytes at `offset` into `buffers`.
  boost::asio::awaitable<std::error_code> read(std::uint64_t offset, std::span<const iovec> buffers);
  // Writes them; with `fua` each command has FUA set (SBC-3: on the medium before status).
  boost::asio::awaitable<std::error_code> write(std::uint64_t offset, std::span<const iovec> buffers, bool fua = false);
  // SYNCHRONIZE CACHE of the whole medium.
  boost::asio::awaitable<std::error_code> flush();
  // UNMAP of [offset, offset + length). errc::not_supported when the LUN has no UNMAP.
  boost::asio::awaitable<std::error_code> trim(std::uint64_t offset, std::uint64_t length);
  // Makes [offset, offset + length) read as zeroes: WRITE SAME (16) of a zero block, with
  // UNMAP when `may_trim` and the LUN supports it; plain WRITEs of zeroes when the LUN
  // refuses WRITE SAME. WRITE SAME has no FUA bit: with `fua` the range is synchronized
  // after it.
  boost::asio::awaitable<std::error_code> write_zeroes(std::uint64_t offset, std::uint64_t length, bool fua = false,
                                                       bool may_trim = false);
  // The provisioning status of the extent starting at `offset` (GET LBA STATUS). A LUN
  // without thin provisioning is one mapped extent.
  boost::asio::awaitable<LbaStatus> lba_status(std::uint64_t offset);

 private:
  BlockDevice(Session& session, std::uint16_t lun, BlockDeviceOptions options);
  boost::asio::awaitable<std::error_code> probe(std::string& why);
  boost::asio::awaitable<std::error_code> transfer(bool write, std::uint64_t offset, std::span<const iovec> buffers,
                                                   bool fua);
  boost::asio::awaitable<std::error_code> write_same(std::uint64_t lba, std::uint64_t blocks, bool unmap);
  boost::asio::awaitable<std::error_code> write_zero_buffers(std::uint64_t lba, std::uint64_t blocks, bool fua);
  boost::asio::awaitable<std::error_code> synchronize(std::uint64_t lba, std::uint64_t blocks);
  std::error_code check_range(std::uint64_t offset, std::uint64_t length) const noexcept;

  Session& session_;
  std::uint16_t lun_;
  std::uint64_t lun_field_;
  BlockDeviceOptions options_;
  BlockGeometry geometry_;
  BlockLimits limits_;
  Provisioning provisioning_;
  DeviceIdentity identity_;
  bool write_same_refused_ = false;   // learned from the first ILLEGAL REQUEST
  std::vector<std::byte> zeroes_;     // one or more zero blocks, never written
};

}  // namespace uiscsi::initiator
