#include "target/backend/ram_backend.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "target/backend/detail/range_check.h"

namespace uiscsi::target {

std::unique_ptr<RamBackend> RamBackend::create(Geometry geometry, std::error_code& ec) {
  ec.clear();
  if (!detail::valid_block_size(geometry.block_size) || geometry.block_count == 0 ||
      geometry.block_count > SIZE_MAX / geometry.block_size) {
    ec = backend_errc::invalid_config;
    return nullptr;
  }
  const std::size_t length = static_cast<std::size_t>(geometry.block_count) * geometry.block_size;
  void* p = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    ec = std::error_code(errno, std::system_category());
    return nullptr;
  }
  return std::unique_ptr<RamBackend>(new RamBackend(geometry, static_cast<std::byte*>(p), length));
}

RamBackend::~RamBackend() { ::munmap(memory_, length_); }

Features RamBackend::features() const noexcept {
  Features f;
  f.unmap = true;
  f.unmap_reads_zeroes = true;
  f.non_rotational = true;
  return f;
}

std::error_code RamBackend::read(std::uint64_t lba, std::span<std::byte> out) {
  if (auto ec = detail::check_io(geometry_, lba, out.size())) return ec;
  std::memcpy(out.data(), memory_ + lba * geometry_.block_size, out.size());
  return {};
}

std::error_code RamBackend::write(std::uint64_t lba, std::span<const std::byte> in, bool) {
  if (auto ec = detail::check_io(geometry_, lba, in.size())) return ec;
  std::memcpy(memory_ + lba * geometry_.block_size, in.data(), in.size());
  return {};
}

// Memory is as stable as it gets: there is no cache to flush.
std::error_code RamBackend::flush() { return {}; }

std::error_code RamBackend::unmap(std::uint64_t lba, std::uint64_t blocks) {
  if (!detail::in_range(geometry_, lba, blocks)) return backend_errc::out_of_range;
  std::byte* begin = memory_ + lba * geometry_.block_size;
  std::byte* end = begin + blocks * geometry_.block_size;
  // Give whole pages back; zero the partial pages at either edge.
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  auto* first_page = reinterpret_cast<std::byte*>((reinterpret_cast<std::uintptr_t>(begin) + page - 1) & ~(page - 1));
  auto* last_page = reinterpret_cast<std::byte*>(reinterpret_cast<std::uintptr_t>(end) & ~(page - 1));
  if (first_page < last_page) {
    std::memset(begin, 0, static_cast<std::size_t>(first_page - begin));
    if (::madvise(first_page, static_cast<std::size_t>(last_page - first_page), MADV_DONTNEED) != 0)
      return {errno, std::system_category()};
    std::memset(last_page, 0, static_cast<std::size_t>(end - last_page));
  } else {
    std::memset(begin, 0, static_cast<std::size_t>(end - begin));
  }
  return {};
}

std::error_code RamBackend::write_zeroes(std::uint64_t lba, std::uint64_t blocks, bool) {
  if (!detail::in_range(geometry_, lba, blocks)) return backend_errc::out_of_range;
  std::memset(memory_ + lba * geometry_.block_size, 0, blocks * geometry_.block_size);
  return {};
}

// Page residency says nothing reliable about what the initiator unmapped, so a RAM disk
// reports everything as mapped (Features::provisioning_status is false).
std::error_code RamBackend::provisioning_status(std::uint64_t lba, Extent& out) {
  if (lba >= geometry_.block_count) return backend_errc::out_of_range;
  out = {lba, geometry_.block_count - lba, ProvisioningState::mapped};
  return {};
}

}  // namespace uiscsi::target
