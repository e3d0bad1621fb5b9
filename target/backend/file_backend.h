// A Backend on a regular file or a block device, with pread/pwrite on one descriptor.
//
//  - FUA writes use pwritev2(RWF_DSYNC), so only that write is made stable.
//  - flush() is fdatasync().
//  - unmap() punches a hole (fallocate PUNCH_HOLE | KEEP_SIZE); on a block device the
//    kernel turns that into a discard or zero-out, so unmapped blocks read as zeroes.
//  - write_zeroes() uses fallocate(ZERO_RANGE) and falls back to writing zeroes.
//  - prefetch() is posix_fadvise(WILLNEED): the kernel reads ahead into the page cache.
//  - file_extent() names the blocks' byte range of the descriptor, so Data-In can be sent
//    from the page cache with sendfile(2).
//  - provisioning_status() asks the file system with SEEK_DATA / SEEK_HOLE (regular files
//    only; a block device reports everything mapped).
//
// The page cache is a volatile write cache (Features::volatile_write_cache): data written
// without FUA is stable only after flush().
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <system_error>
#include <utility>

#include "offload/owned_fd.h"
#include "target/backend/backend.h"

namespace uiscsi::target {

struct FileBackendOptions {
  std::filesystem::path path;
  std::uint32_t block_size = 512;
  // Size of a file that does not exist yet, created sparse. 0: the file must exist.
  // Ignored when the file exists (its size, rounded down to whole blocks, is used).
  std::uint64_t create_size_bytes = 0;
  bool read_only = false;
  // Take an exclusive flock() on the file for the backend's lifetime, so that two owners
  // (a running RAID volume and uiscsi-raid, or two volumes) never write one member at
  // once. Held by another open: device_or_resource_busy.
  bool exclusive = false;
};

class FileBackend final : public Backend {
 public:
  // Errors: the system error of open/fstat/ftruncate (e.g. no_such_file_or_directory,
  // permission_denied, device_or_resource_busy with `exclusive`),
  // backend_errc::invalid_config for a bad block size or a block device whose logical
  // block size is larger than block_size, backend_errc::bad_size for a file smaller than
  // one block.
  static std::unique_ptr<FileBackend> open(const FileBackendOptions& options, std::error_code& ec);
  FileBackend(const FileBackend&) = delete;
  FileBackend& operator=(const FileBackend&) = delete;

  Geometry geometry() const noexcept override { return geometry_; }
  Features features() const noexcept override { return features_; }
  std::error_code read(std::uint64_t lba, std::span<std::byte> out) override;
  std::error_code write(std::uint64_t lba, std::span<const std::byte> in, bool fua) override;
  std::error_code flush() override;
  std::error_code unmap(std::uint64_t lba, std::uint64_t blocks) override;
  std::error_code write_zeroes(std::uint64_t lba, std::uint64_t blocks, bool fua) override;
  std::error_code prefetch(std::uint64_t lba, std::uint64_t blocks) override;
  std::optional<FileExtent> file_extent(std::uint64_t lba, std::uint64_t blocks) const override;
  std::error_code provisioning_status(std::uint64_t lba, Extent& out) override;

 private:
  FileBackend(offload::OwnedFd fd, Geometry geometry, Features features) noexcept
      : fd_(std::move(fd)), geometry_(geometry), features_(features) {}

  std::error_code write_zero_buffers(std::uint64_t offset, std::uint64_t length);

  offload::OwnedFd fd_;
  Geometry geometry_;
  Features features_;
};

}  // namespace uiscsi::target
