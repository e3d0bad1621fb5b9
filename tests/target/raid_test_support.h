// Helpers for the RAID backend tests: RAM members that outlive a volume (so a test can
// reassemble them), with fault injection, and a shadow copy to verify data against.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "target/backend/ram_backend.h"
#include "target/backend/raid/raid_backend.h"

namespace uiscsi::target::raid::test {

// A member's storage as the test sees it, shared between a volume's Backend handle and the
// test, with switches that make the handle misbehave.
struct Disk {
  std::unique_ptr<RamBackend> ram;
  std::atomic<bool> fail_io{false};    // every read and write returns EIO
  std::atomic<bool> drop_writes{false};  // writes "succeed" but never land (power cut)
  std::atomic<std::uint64_t> reads{0};
  std::atomic<std::uint64_t> writes{0};
};

// The Backend a volume gets for a Disk.
class DiskHandle final : public Backend {
 public:
  explicit DiskHandle(std::shared_ptr<Disk> disk) : disk_(std::move(disk)) {}
  Geometry geometry() const noexcept override { return disk_->ram->geometry(); }
  Features features() const noexcept override { return disk_->ram->features(); }
  std::error_code read(std::uint64_t lba, std::span<std::byte> out) override {
    if (disk_->fail_io) return {EIO, std::system_category()};
    ++disk_->reads;
    return disk_->ram->read(lba, out);
  }
  std::error_code write(std::uint64_t lba, std::span<const std::byte> in, bool fua) override {
    if (disk_->fail_io) return {EIO, std::system_category()};
    ++disk_->writes;
    if (disk_->drop_writes) return {};
    return disk_->ram->write(lba, in, fua);
  }
  std::error_code flush() override {
    if (disk_->fail_io) return {EIO, std::system_category()};
    return {};
  }
  std::error_code unmap(std::uint64_t lba, std::uint64_t blocks) override { return disk_->ram->unmap(lba, blocks); }
  std::error_code write_zeroes(std::uint64_t lba, std::uint64_t blocks, bool fua) override {
    if (disk_->fail_io) return {EIO, std::system_category()};
    if (disk_->drop_writes) return {};
    return disk_->ram->write_zeroes(lba, blocks, fua);
  }
  std::error_code provisioning_status(std::uint64_t lba, Extent& out) override {
    return disk_->ram->provisioning_status(lba, out);
  }

 private:
  std::shared_ptr<Disk> disk_;
};

inline std::shared_ptr<Disk> make_disk(std::uint64_t bytes, std::uint32_t block_size = 512) {
  auto d = std::make_shared<Disk>();
  std::error_code ec;
  d->ram = RamBackend::create({block_size, bytes / block_size}, ec);
  if (!d->ram) throw std::system_error(ec);
  return d;
}

inline std::vector<std::shared_ptr<Disk>> make_disks(std::size_t count, std::uint64_t bytes,
                                                     std::uint32_t block_size = 512) {
  std::vector<std::shared_ptr<Disk>> disks;
  for (std::size_t i = 0; i < count; ++i) disks.push_back(make_disk(bytes, block_size));
  return disks;
}

inline MemberDevice handle(const std::shared_ptr<Disk>& disk, std::string name) {
  return MemberDevice{std::move(name), std::make_unique<DiskHandle>(disk)};
}

// Fresh handles for `disks`, named "d0", "d1", ... by their index in `disks`.
inline std::vector<MemberDevice> handles(const std::vector<std::shared_ptr<Disk>>& disks) {
  std::vector<MemberDevice> out;
  for (std::size_t i = 0; i < disks.size(); ++i) out.push_back(handle(disks[i], "d" + std::to_string(i)));
  return out;
}

// Handles for some of `disks` (by index), named as handles() names them.
inline std::vector<MemberDevice> pick(const std::vector<std::shared_ptr<Disk>>& disks,
                                      std::initializer_list<std::size_t> which) {
  std::vector<MemberDevice> out;
  for (auto i : which) out.push_back(handle(disks[i], "d" + std::to_string(i)));
  return out;
}

// Member reads issued so far, over all of `disks`.
inline std::uint64_t total_reads(const std::vector<std::shared_ptr<Disk>>& disks) {
  std::uint64_t n = 0;
  for (const auto& d : disks) n += d->reads;
  return n;
}

// Runtime options for tests: no background sweeps unless asked, unlimited rebuild.
inline RuntimeOptions test_runtime() {
  RuntimeOptions r;
  r.bitmap_sweep_interval = std::chrono::milliseconds(0);
  return r;
}

inline std::unique_ptr<RaidBackend> create_volume(const std::vector<std::shared_ptr<Disk>>& disks, Level level,
                                                  std::uint32_t raid_devices, std::uint64_t chunk_bytes,
                                                  RuntimeOptions runtime = test_runtime(),
                                                  std::uint64_t bitmap_region_bytes = 256 * 1024) {
  CreateOptions o;
  o.level = level;
  o.raid_devices = raid_devices;
  o.chunk_bytes = chunk_bytes;
  o.bitmap_region_bytes = bitmap_region_bytes;
  std::error_code ec;
  auto v = RaidBackend::create(handles(disks), o, runtime, ec);
  if (!v) throw std::system_error(ec);
  return v;
}

// The volume's contents as they should be; writes go to both, reads are compared.
class Shadow {
 public:
  explicit Shadow(const Geometry& g) : block_size_(g.block_size), data_(g.block_count * g.block_size) {}

  // Fills `buf` with bytes derived from `seed`.
  static void pattern(std::span<std::byte> buf, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    for (std::size_t i = 0; i < buf.size(); i += 8) {
      const std::uint64_t v = rng();
      for (std::size_t k = 0; k < 8 && i + k < buf.size(); ++k) buf[i + k] = static_cast<std::byte>(v >> (8 * k));
    }
  }

  // Writes `blocks` blocks of pattern `seed` at `lba` to the volume and the shadow. The
  // source buffer starts `misalign` bytes into an allocation, to exercise unaligned
  // buffers.
  std::error_code write(Backend& b, std::uint64_t lba, std::uint64_t blocks, std::uint64_t seed,
                        std::size_t misalign = 0) {
    std::vector<std::byte> buf(blocks * block_size_ + misalign);
    auto span = std::span(buf).subspan(misalign);
    pattern(span, seed);
    auto ec = b.write(lba, span, false);
    if (!ec) std::copy(span.begin(), span.end(), data_.begin() + static_cast<std::ptrdiff_t>(lba * block_size_));
    return ec;
  }

  // Reads [lba, lba + blocks) and compares; the first differing byte offset, or -1.
  std::int64_t verify(Backend& b, std::uint64_t lba, std::uint64_t blocks, std::error_code& ec) const {
    std::vector<std::byte> buf(blocks * block_size_);
    ec = b.read(lba, buf);
    if (ec) return -2;
    const auto begin = data_.begin() + static_cast<std::ptrdiff_t>(lba * block_size_);
    const auto mismatch = std::mismatch(buf.begin(), buf.end(), begin);
    return mismatch.first == buf.end() ? -1 : mismatch.first - buf.begin();
  }

  std::int64_t verify_all(Backend& b, std::error_code& ec) const {
    return verify(b, 0, data_.size() / block_size_, ec);
  }

 private:
  std::uint32_t block_size_;
  std::vector<std::byte> data_;
};

// The device number of the member named `name` (as handles() names them).
inline std::uint32_t device_of(const RaidBackend& v, const std::string& name) {
  for (const auto& m : v.status().members)
    if (m.name == name) return m.device_number;
  throw std::runtime_error("no member " + name);
}

}  // namespace uiscsi::target::raid::test
