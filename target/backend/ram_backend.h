// A Backend in anonymous memory: for tests and scratch disks. Contents are lost with the
// object.
//
// The memory is one private anonymous mapping reserved without swap accounting
// (MAP_NORESERVE); pages are allocated on first write, so a large, mostly empty RAM disk
// costs little. unmap() returns whole pages to the kernel (MADV_DONTNEED, after which they
// read back as zeroes) and zeroes the partial pages at the edges.
//
// Concurrent overlapping writes are not ordered against each other (see Backend); each
// request is a plain memcpy into the mapping.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <system_error>

#include "target/backend/backend.h"

namespace uiscsi::target {

class RamBackend final : public Backend {
 public:
  // `block_count` blocks of `block_size` bytes (a power of two, 512..65536).
  // backend_errc::invalid_config for a bad geometry, a system error if mmap fails.
  static std::unique_ptr<RamBackend> create(Geometry geometry, std::error_code& ec);
  ~RamBackend() override;
  RamBackend(const RamBackend&) = delete;
  RamBackend& operator=(const RamBackend&) = delete;

  Geometry geometry() const noexcept override { return geometry_; }
  Features features() const noexcept override;
  std::error_code read(std::uint64_t lba, std::span<std::byte> out) override;
  std::error_code write(std::uint64_t lba, std::span<const std::byte> in, bool fua) override;
  std::error_code flush() override;
  std::error_code unmap(std::uint64_t lba, std::uint64_t blocks) override;
  std::error_code write_zeroes(std::uint64_t lba, std::uint64_t blocks, bool fua) override;
  std::error_code provisioning_status(std::uint64_t lba, Extent& out) override;

 private:
  RamBackend(Geometry geometry, std::byte* memory, std::size_t length) noexcept
      : geometry_(geometry), memory_(memory), length_(length) {}

  Geometry geometry_;
  std::byte* memory_;   // owned mapping of length_ bytes
  std::size_t length_;
};

}  // namespace uiscsi::target
