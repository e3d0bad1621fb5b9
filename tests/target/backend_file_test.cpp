#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>
#include <vector>

#include "backend_test_support.h"
#include "target/backend/error.h"
#include "target/backend/factory.h"
#include "target/backend/file_backend.h"

namespace uiscsi::target {
namespace {

using test::TempDir;

std::vector<std::byte> fill(std::size_t n, int v) { return std::vector<std::byte>(n, static_cast<std::byte>(v)); }

// Blocks actually allocated on disk for the file (st_blocks counts 512-byte units).
std::uint64_t allocated_bytes(const std::filesystem::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return static_cast<std::uint64_t>(st.st_blocks) * 512;
}

FileBackendOptions options(const std::filesystem::path& p, std::uint64_t create_size = 0, std::uint32_t block_size = 512) {
  FileBackendOptions o;
  o.path = p;
  o.block_size = block_size;
  o.create_size_bytes = create_size;
  return o;
}

BackendConfig backend_config(BackendKind kind, const std::filesystem::path& p, std::uint64_t size,
                             std::uint32_t block_size = 512) {
  BackendConfig c;
  c.kind = kind;
  c.path = p;
  c.size_bytes = size;
  c.block_size = block_size;
  return c;
}

std::unique_ptr<FileBackend> open_file(const std::filesystem::path& p, std::uint64_t create_size,
                                       std::uint32_t block_size = 512) {
  std::error_code ec;
  auto f = FileBackend::open(options(p, create_size, block_size), ec);
  INFO(ec.message());
  REQUIRE_FALSE(ec);
  return f;
}

TEST_CASE("FileBackend creates a sparse file of the requested size", "[backend][file]") {
  TempDir dir;
  const auto path = dir / "disk.img";
  auto f = open_file(path, 8 << 20);
  CHECK(f->geometry().block_size == 512);
  CHECK(f->geometry().block_count == (8 << 20) / 512);
  CHECK(std::filesystem::file_size(path) == 8u << 20);
  CHECK(allocated_bytes(path) < (1 << 20));  // sparse, not written out
  const Features features = f->features();
  CHECK(features.unmap);
  CHECK(features.provisioning_status);
  CHECK(features.volatile_write_cache);
  // The file system block is the allocation unit (UNMAP's granularity), not a physical
  // block: a regular file has none larger than the logical block.
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK(f->geometry().allocation_unit == (st.st_blksize > 512 ? st.st_blksize : 0));
  CHECK(f->geometry().physical_block_size == 0);
}

TEST_CASE("FileBackend round-trips data, with and without FUA, across reopen", "[backend][file]") {
  TempDir dir;
  const auto path = dir / "disk.img";
  {
    auto f = open_file(path, 1 << 20, 4096);
    REQUIRE_FALSE(f->write(3, fill(8192, 0x11), false));
    REQUIRE_FALSE(f->write(5, fill(4096, 0x22), true));
    REQUIRE_FALSE(f->flush());
  }
  // Reopening an existing file ignores create_size_bytes and keeps the contents.
  auto f = open_file(path, 1 << 30, 4096);
  CHECK(f->geometry().block_count == 256);
  std::vector<std::byte> out(3 * 4096);
  REQUIRE_FALSE(f->read(3, out));
  CHECK(std::vector<std::byte>(out.begin(), out.begin() + 8192) == fill(8192, 0x11));
  CHECK(std::vector<std::byte>(out.begin() + 8192, out.end()) == fill(4096, 0x22));
  CHECK(f->read(255, std::span<std::byte>(out).first(8192)) == backend_errc::out_of_range);
  CHECK(f->write(0, std::span<const std::byte>(out).first(10), false) == backend_errc::misaligned);
  // PRE-FETCH's read-ahead hint: inside the file it is taken, beyond it refused.
  CHECK_FALSE(f->prefetch(0, 256));
  CHECK(f->prefetch(255, 2) == backend_errc::out_of_range);
}

TEST_CASE("FileBackend open errors are clear", "[backend][file]") {
  TempDir dir;
  std::error_code ec;
  SECTION("missing file without a size") {
    CHECK_FALSE(FileBackend::open(options(dir / "missing.img"), ec));
    CHECK(ec == std::errc::no_such_file_or_directory);
  }
  SECTION("a directory") {
    CHECK_FALSE(FileBackend::open(options(dir.path()), ec));
    CHECK(ec == std::errc::is_a_directory);
  }
  SECTION("missing parent directory") {
    CHECK_FALSE(FileBackend::open(options(dir / "no/such/dir.img", 4096), ec));
    CHECK(ec == std::errc::no_such_file_or_directory);
  }
  SECTION("a file smaller than one block") {
    std::ofstream(dir / "tiny.img") << "abc";
    CHECK_FALSE(FileBackend::open(options(dir / "tiny.img"), ec));
    CHECK(ec == backend_errc::bad_size);
  }
  SECTION("a bad block size") {
    CHECK_FALSE(FileBackend::open(options(dir / "x.img", 4096, 1000), ec));
    CHECK(ec == backend_errc::invalid_config);
  }
  SECTION("a trailing partial block is not addressable") {
    std::ofstream(dir / "odd.img") << std::string(1500, 'x');
    auto f = FileBackend::open(options(dir / "odd.img"), ec);
    REQUIRE(f);
    CHECK(f->geometry().block_count == 2);
  }
}

TEST_CASE("FileBackend unmap punches holes that GET LBA STATUS sees", "[backend][file]") {
  TempDir dir;
  const auto path = dir / "thin.img";
  auto f = open_file(path, 4 << 20, 4096);  // 1024 blocks of 4 KiB
  REQUIRE_FALSE(f->write(0, fill(1024 * 4096, 0x33), false));

  Extent e;
  REQUIRE_FALSE(f->provisioning_status(0, e));
  CHECK(e == Extent{0, 1024, ProvisioningState::mapped});

  REQUIRE_FALSE(f->unmap(256, 256));
  std::vector<std::byte> out(4096);
  REQUIRE_FALSE(f->read(300, out));
  CHECK(out == fill(4096, 0));
  REQUIRE_FALSE(f->read(255, out));
  CHECK(out == fill(4096, 0x33));

  REQUIRE_FALSE(f->provisioning_status(0, e));
  CHECK(e == Extent{0, 256, ProvisioningState::mapped});
  REQUIRE_FALSE(f->provisioning_status(256, e));
  CHECK(e == Extent{256, 256, ProvisioningState::deallocated});
  REQUIRE_FALSE(f->provisioning_status(300, e));
  CHECK(e == Extent{300, 212, ProvisioningState::deallocated});
  REQUIRE_FALSE(f->provisioning_status(512, e));
  CHECK(e == Extent{512, 512, ProvisioningState::mapped});

  SECTION("a hole that runs to the end of the file") {
    REQUIRE_FALSE(f->unmap(768, 256));
    REQUIRE_FALSE(f->provisioning_status(800, e));
    CHECK(e == Extent{800, 224, ProvisioningState::deallocated});
  }
  SECTION("write_zeroes leaves zeroes") {
    REQUIRE_FALSE(f->write_zeroes(10, 2, true));
    REQUIRE_FALSE(f->read(11, out));
    CHECK(out == fill(4096, 0));
  }
}

TEST_CASE("make_backend builds both kinds from a config", "[backend][factory]") {
  TempDir dir;
  std::error_code ec;
  CHECK(parse_backend_kind("file") == BackendKind::file);
  CHECK(parse_backend_kind("ram") == BackendKind::ram);
  CHECK(parse_backend_kind("raid") == BackendKind::raid);
  CHECK_FALSE(parse_backend_kind("tape"));

  auto ram = make_backend(backend_config(BackendKind::ram, {}, 1 << 20, 4096), ec);
  REQUIRE(ram);
  CHECK(ram->geometry() == Geometry{4096, 256});
  CHECK(pr_state_file_for(backend_config(BackendKind::ram, {}, 1 << 20)).empty());

  CHECK_FALSE(make_backend(backend_config(BackendKind::ram, {}, 1000), ec));
  CHECK(ec == backend_errc::invalid_config);

  const BackendConfig file = backend_config(BackendKind::file, dir / "lun0.img", 1 << 20);
  auto f = make_backend(file, ec);
  REQUIRE(f);
  CHECK(f->geometry().block_count == 2048);
  CHECK(pr_state_file_for(file) == dir / "lun0.img.pr");
}

}  // namespace
}  // namespace uiscsi::target
