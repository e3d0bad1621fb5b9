// The block storage behind a logical unit: the Backend interface.
//
// A Backend is a flat array of `block_count` logical blocks of `block_size` bytes. The SCSI
// layer (target/scsi/) checks every CDB against the geometry before it calls a Backend, so
// a request beyond the end is a caller bug and returns backend_errc::out_of_range instead of
// touching memory. Composite backends (RAID built from member Backends) implement the same
// interface and forward to their members.
//
// Errors: every data-path call returns a std::error_code and never throws. Errors raised by
// the operating system keep their system category (ENOSPC, EIO, EACCES ...), so the SCSI
// layer can map them to sense data;
// errors the backend detects itself use backend_errc.
//
// Thread safety: every member function may be called concurrently from several threads
// (one io_context per core). Implementations protect their own state; they do not order
// concurrent requests against each other: two concurrent writes to overlapping blocks leave
// either one's data. The SCSI layer serialises what SCSI requires to be atomic (COMPARE AND
// WRITE) with its own range lock.
//
// Blocking: calls may block the calling thread (pread, pwrite, fdatasync, fallocate). The
// caller runs them where blocking is acceptable.
//
// Buffer ownership: the caller owns every buffer passed in; a Backend reads from or writes
// into it only for the duration of the call and keeps no reference afterwards.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <system_error>

#include "target/backend/error.h"

namespace uiscsi::target {

struct Geometry {
  std::uint32_t block_size = 512;  // bytes per logical block; a power of two >= 512
  std::uint64_t block_count = 0;   // number of logical blocks (capacity = product)
  // The unit the medium allocates and writes best in (a file system block, a disk's
  // physical sector, a RAID stripe unit): a power-of-two multiple of block_size, or 0 for
  // "same as block_size". Reported as LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT and as the
  // optimal transfer and unmap granularity (SBC-3 5.16.2, 6.5.3).
  std::uint32_t physical_block_size = 0;
  // The unit UNMAP deallocates in (a file system block that holds a file's data): a
  // power-of-two multiple of block_size, or 0 for "same as physical_block_size". Reported
  // as the OPTIMAL UNMAP GRANULARITY (SBC-3 6.5.3); smaller unmaps zero the blocks but may
  // leave them mapped.
  std::uint32_t allocation_unit = 0;

  friend bool operator==(const Geometry&, const Geometry&) = default;
};

// What a backend can do. The SCSI layer advertises only what is set here (READ CAPACITY
// LBPME, VPD pages B0h/B2h, the caching mode page) and returns "not supported" sense for
// the rest.
struct Features {
  // unmap() deallocates blocks (thin provisioning, SBC-3 4.7.3): LBPME / LBPU / LBPWS.
  bool unmap = false;
  // Deallocated blocks read back as zeroes (SBC-3 LBPRZ).
  bool unmap_reads_zeroes = false;
  // provisioning_status() reports real extents; otherwise every block is "mapped".
  bool provisioning_status = false;
  // Writes may sit in a volatile cache until flush() (the caching mode page WCE bit;
  // SYNCHRONIZE CACHE and FUA matter).
  bool volatile_write_cache = false;
  // The medium has no seek penalty (VPD B1h MEDIUM ROTATION RATE = 1).
  bool non_rotational = false;

  friend bool operator==(const Features&, const Features&) = default;
};

// Provisioning status of an extent (SBC-3 5.5 GET LBA STATUS, LBA status descriptor).
enum class ProvisioningState : std::uint8_t {
  mapped = 0,       // "mapped or unknown"
  deallocated = 1,
  anchored = 2,
};

// A run of blocks that share one ProvisioningState.
struct Extent {
  std::uint64_t lba = 0;
  std::uint64_t blocks = 0;
  ProvisioningState state = ProvisioningState::mapped;

  friend bool operator==(const Extent&, const Extent&) = default;
};

// Where a run of blocks lies in an open file (see Backend::file_extent).
struct FileExtent {
  int fd = -1;  // open for reading for as long as the Backend lives
  std::uint64_t offset = 0;
  std::uint64_t length = 0;

  friend bool operator==(const FileExtent&, const FileExtent&) = default;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // Geometry and features are fixed for the lifetime of the object unless documented
  // otherwise by an implementation; both are cheap to call.
  virtual Geometry geometry() const noexcept = 0;
  virtual Features features() const noexcept = 0;

  // Reads blocks [lba, lba + out.size() / block_size) into `out`.
  // Precondition: out.size() is a multiple of block_size (else backend_errc::misaligned).
  virtual std::error_code read(std::uint64_t lba, std::span<std::byte> out) = 0;

  // Writes `in` to blocks starting at `lba`. With `fua` (Force Unit Access, SBC-3 4.12)
  // the data is on stable storage before the call returns.
  // Precondition: in.size() is a multiple of block_size (else backend_errc::misaligned).
  virtual std::error_code write(std::uint64_t lba, std::span<const std::byte> in, bool fua) = 0;

  // Makes every completed write stable (SYNCHRONIZE CACHE).
  virtual std::error_code flush() = 0;

  // Deallocates `blocks` blocks starting at `lba` (UNMAP, WRITE SAME with UNMAP).
  // backend_errc::not_supported unless features().unmap. Deallocation is advisory: after
  // success the blocks read back as zeroes when features().unmap_reads_zeroes.
  virtual std::error_code unmap(std::uint64_t lba, std::uint64_t blocks) = 0;

  // Sets `blocks` blocks starting at `lba` to zeroes, allocated (WRITE SAME with a zero
  // block and no UNMAP bit). Implementations use the cheapest way they have.
  virtual std::error_code write_zeroes(std::uint64_t lba, std::uint64_t blocks, bool fua) = 0;

  // A hint that blocks [lba, lba + blocks) will be read soon (PRE-FETCH): a backend with a
  // cache starts reading them in the background. Returns at once; the default, for
  // backends without a cache of their own (RAM), does nothing.
  virtual std::error_code prefetch(std::uint64_t lba, std::uint64_t blocks) {
    (void)lba;
    (void)blocks;
    return {};
  }

  // Where blocks [lba, lba + blocks) lie, as one range of one file descriptor, for a
  // caller that hands them to the kernel with sendfile(2) instead of read()ing them (the
  // target's Data-In): the bytes then go from the page cache to the socket without a copy
  // through user space. What the range holds is read when it is sent, not now. nullopt
  // where the blocks are not one file range (RAM, RAID): read() them. Same precondition
  // as read(): a range beyond the end is out of range and gives nullopt.
  virtual std::optional<FileExtent> file_extent(std::uint64_t lba, std::uint64_t blocks) const {
    (void)lba;
    (void)blocks;
    return std::nullopt;
  }

  // The longest extent that starts at `lba` and has one provisioning state, clipped to the
  // end of the device (GET LBA STATUS). Without features().provisioning_status the whole
  // rest of the device is reported as mapped.
  virtual std::error_code provisioning_status(std::uint64_t lba, Extent& out) = 0;
};

}  // namespace uiscsi::target
