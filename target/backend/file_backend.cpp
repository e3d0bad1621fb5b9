#include "target/backend/file_backend.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "target/backend/detail/range_check.h"

namespace uiscsi::target {
namespace {

std::error_code last_error() noexcept { return {errno, std::system_category()}; }

// Size, logical and physical block size of an open block device.
std::error_code block_device_size(int fd, std::uint64_t& bytes, int& sector, unsigned& physical) noexcept {
  if (::ioctl(fd, BLKGETSIZE64, &bytes) != 0) return last_error();
  if (::ioctl(fd, BLKSSZGET, &sector) != 0) return last_error();
  if (::ioctl(fd, BLKPBSZGET, &physical) != 0) return last_error();
  return {};
}

// A physical block or allocation unit in bytes, when it is a power-of-two multiple of the
// logical block size, else 0 ("same as the logical block").
std::uint32_t block_multiple(std::uint64_t unit, std::uint32_t block_size) noexcept {
  if (unit <= block_size || unit > (1u << 20) || (unit & (unit - 1)) != 0) return 0;
  return static_cast<std::uint32_t>(unit);
}

}  // namespace

std::unique_ptr<FileBackend> FileBackend::open(const FileBackendOptions& options, std::error_code& ec) {
  ec.clear();
  if (!detail::valid_block_size(options.block_size)) {
    ec = backend_errc::invalid_config;
    return nullptr;
  }
  const int mode = options.read_only ? O_RDONLY : O_RDWR;
  offload::OwnedFd fd(::open(options.path.c_str(), mode | O_CLOEXEC));
  if (!fd && errno == ENOENT && options.create_size_bytes > 0 && !options.read_only) {
    // O_EXCL: if someone else creates it meanwhile, we fail instead of truncating theirs.
    fd.reset(::open(options.path.c_str(), O_RDWR | O_CLOEXEC | O_CREAT | O_EXCL, 0600));
    if (fd && ::ftruncate(fd.get(), static_cast<off_t>(options.create_size_bytes)) != 0) {
      ec = last_error();
      ::unlink(options.path.c_str());
      return nullptr;
    }
  }
  if (!fd) {
    ec = last_error();
    return nullptr;
  }
  if (options.exclusive && ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    ec = errno == EWOULDBLOCK ? std::make_error_code(std::errc::device_or_resource_busy) : last_error();
    return nullptr;
  }

  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    ec = last_error();
    return nullptr;
  }
  std::uint64_t bytes = 0;
  std::uint64_t unit = 0;       // a block device's physical sector
  std::uint64_t allocation = 0; // a regular file's file system block
  Features features;
  features.volatile_write_cache = true;
  features.unmap = !options.read_only;
  features.unmap_reads_zeroes = true;
  if (S_ISBLK(st.st_mode)) {
    int sector = 0;
    unsigned physical = 0;
    if ((ec = block_device_size(fd.get(), bytes, sector, physical))) return nullptr;
    unit = physical;
    if (static_cast<std::uint32_t>(sector) > options.block_size) {
      ec = backend_errc::invalid_config;
      return nullptr;
    }
  } else if (S_ISREG(st.st_mode)) {
    bytes = static_cast<std::uint64_t>(st.st_size);
    // Holes are punched and reported in file system blocks: the unit UNMAP deallocates in.
    // It is no physical block: the page cache updates a lone logical block of a file on
    // its own, so LOGICAL BLOCKS PER PHYSICAL BLOCK stays 1.
    allocation = static_cast<std::uint64_t>(st.st_blksize);
    features.provisioning_status = true;
  } else {
    ec = std::make_error_code(std::errc::invalid_argument);
    return nullptr;
  }
  // A trailing partial block is not addressable; a file without a whole block is useless.
  const Geometry geometry{options.block_size, bytes / options.block_size, block_multiple(unit, options.block_size),
                          block_multiple(allocation, options.block_size)};
  if (geometry.block_count == 0) {
    ec = backend_errc::bad_size;
    return nullptr;
  }
  return std::unique_ptr<FileBackend>(new FileBackend(std::move(fd), geometry, features));
}

std::optional<FileExtent> FileBackend::file_extent(std::uint64_t lba, std::uint64_t blocks) const {
  if (blocks > geometry_.block_count || lba > geometry_.block_count - blocks) return std::nullopt;
  return FileExtent{fd_.get(), lba * geometry_.block_size, blocks * geometry_.block_size};
}

std::error_code FileBackend::read(std::uint64_t lba, std::span<std::byte> out) {
  if (auto ec = detail::check_io(geometry_, lba, out.size())) return ec;
  std::uint64_t offset = lba * geometry_.block_size;
  while (!out.empty()) {
    const ssize_t n = ::pread(fd_.get(), out.data(), out.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return last_error();
    }
    if (n == 0) {
      // The file was shortened behind our back: what is gone reads as a hole.
      std::memset(out.data(), 0, out.size());
      break;
    }
    out = out.subspan(static_cast<std::size_t>(n));
    offset += static_cast<std::uint64_t>(n);
  }
  return {};
}

std::error_code FileBackend::write(std::uint64_t lba, std::span<const std::byte> in, bool fua) {
  if (auto ec = detail::check_io(geometry_, lba, in.size())) return ec;
  std::uint64_t offset = lba * geometry_.block_size;
  // RWF_DSYNC makes just this write stable: cheaper than pwrite + fdatasync of the file.
  const int flags = fua ? RWF_DSYNC : 0;
  while (!in.empty()) {
    iovec iov{const_cast<std::byte*>(in.data()), in.size()};
    const ssize_t n = ::pwritev2(fd_.get(), &iov, 1, static_cast<off_t>(offset), flags);
    if (n < 0) {
      if (errno == EINTR) continue;
      return last_error();
    }
    in = in.subspan(static_cast<std::size_t>(n));
    offset += static_cast<std::uint64_t>(n);
  }
  return {};
}

std::error_code FileBackend::flush() {
  if (::fdatasync(fd_.get()) != 0) return last_error();
  return {};
}

std::error_code FileBackend::unmap(std::uint64_t lba, std::uint64_t blocks) {
  if (!features_.unmap) return backend_errc::not_supported;
  if (!detail::in_range(geometry_, lba, blocks)) return backend_errc::out_of_range;
  if (blocks == 0) return {};
  if (::fallocate(fd_.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                  static_cast<off_t>(lba * geometry_.block_size),
                  static_cast<off_t>(blocks * geometry_.block_size)) != 0) {
    if (errno == EOPNOTSUPP) return backend_errc::not_supported;
    return last_error();
  }
  return {};
}

std::error_code FileBackend::write_zeroes(std::uint64_t lba, std::uint64_t blocks, bool fua) {
  if (!detail::in_range(geometry_, lba, blocks)) return backend_errc::out_of_range;
  if (blocks == 0) return {};
  const std::uint64_t offset = lba * geometry_.block_size;
  const std::uint64_t length = blocks * geometry_.block_size;
  if (::fallocate(fd_.get(), FALLOC_FL_ZERO_RANGE, static_cast<off_t>(offset), static_cast<off_t>(length)) != 0) {
    if (errno != EOPNOTSUPP && errno != EINVAL) return last_error();
    if (auto ec = write_zero_buffers(offset, length)) return ec;
  }
  // fallocate has no per-call durability flag: FUA needs a flush here.
  return fua ? flush() : std::error_code{};
}

std::error_code FileBackend::write_zero_buffers(std::uint64_t offset, std::uint64_t length) {
  static constexpr std::array<std::byte, 64 * 1024> kZeroes{};
  while (length > 0) {
    const std::size_t chunk = static_cast<std::size_t>(std::min<std::uint64_t>(length, kZeroes.size()));
    const ssize_t n = ::pwrite(fd_.get(), kZeroes.data(), chunk, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return last_error();
    }
    offset += static_cast<std::uint64_t>(n);
    length -= static_cast<std::uint64_t>(n);
  }
  return {};
}

std::error_code FileBackend::prefetch(std::uint64_t lba, std::uint64_t blocks) {
  if (!detail::in_range(geometry_, lba, blocks)) return backend_errc::out_of_range;
  const int rc = ::posix_fadvise(fd_.get(), static_cast<off_t>(lba * geometry_.block_size),
                                 static_cast<off_t>(blocks * geometry_.block_size), POSIX_FADV_WILLNEED);
  // posix_fadvise returns the error instead of setting errno.
  return rc == 0 ? std::error_code{} : std::error_code{rc, std::system_category()};
}

std::error_code FileBackend::provisioning_status(std::uint64_t lba, Extent& out) {
  if (lba >= geometry_.block_count) return backend_errc::out_of_range;
  const std::uint64_t bs = geometry_.block_size;
  const std::uint64_t end = geometry_.block_count;
  out = {lba, end - lba, ProvisioningState::mapped};
  if (!features_.provisioning_status) return {};

  const auto offset = static_cast<off_t>(lba * bs);
  const off_t data = ::lseek(fd_.get(), offset, SEEK_DATA);
  if (data < 0 && errno != ENXIO) return last_error();
  // ENXIO: no data at or after offset, the rest is a hole.
  const std::uint64_t data_block = data < 0 ? end : std::min<std::uint64_t>(static_cast<std::uint64_t>(data) / bs, end);
  if (data_block > lba) {
    // A hole covers [lba, data_block); a partially written block counts as mapped.
    out = {lba, data_block - lba, ProvisioningState::deallocated};
    return {};
  }
  const off_t hole = ::lseek(fd_.get(), offset, SEEK_HOLE);
  if (hole < 0) return last_error();
  // Round the end of the data up: a block with any data in it is mapped.
  const std::uint64_t hole_block = std::min<std::uint64_t>((static_cast<std::uint64_t>(hole) + bs - 1) / bs, end);
  out.blocks = std::max<std::uint64_t>(hole_block, lba + 1) - lba;
  return {};
}

}  // namespace uiscsi::target
