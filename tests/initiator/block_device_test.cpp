// The block API against the fake target's disk: the probe, splitting at the LUN's largest
// transfer, READ/WRITE (10) or (16), FUA, trim within the UNMAP limits, write_zeroes with
// and without WRITE SAME, GET LBA STATUS, and the checks made before anything is sent.
#include <catch2/catch.hpp>

#include "fake_session.h"
#include "initiator/block_device.h"
#include "initiator/error.h"

namespace uiscsi::initiator {
namespace {

using test::FakeTarget;
using test::FakeTargetConfig;
namespace asio = boost::asio;

constexpr std::size_t kBlock = 512;

struct Fixture {
  explicit Fixture(FakeTargetConfig tc = {}, BlockDeviceOptions options = {}) : target(io, std::move(tc)) {
    SessionOpen o = test::open_fake(io, target, test::fake_config(target));
    INFO(o.error);
    REQUIRE(o.session);
    session = std::move(o.session);
    BlockDeviceOpen d = test::run(io, BlockDevice::open(*session, 1, options));
    INFO(d.error);
    REQUIRE(d.device);
    device = std::move(d.device);
  }
  ~Fixture() {
    session->close();
    test::drain(io);
  }
  std::vector<std::byte> disk(std::size_t offset, std::size_t length) {
    auto& d = target.disk().data();
    return {d.begin() + static_cast<std::ptrdiff_t>(offset), d.begin() + static_cast<std::ptrdiff_t>(offset + length)};
  }

  asio::io_context io;
  FakeTarget target;
  std::unique_ptr<Session> session;
  std::unique_ptr<BlockDevice> device;
};

}  // namespace

TEST_CASE("block: the probe reads geometry, limits and provisioning", "[block]") {
  FakeTargetConfig tc;
  tc.disk.blocks = 4096;
  tc.disk.max_transfer_blocks = 64;
  tc.unit_attention_after_login = true;  // the probe's first command meets it and retries
  Fixture f(tc);
  const BlockDevice& d = *f.device;
  CHECK(d.geometry().block_size == kBlock);
  CHECK(d.geometry().blocks == 4096);
  CHECK(d.geometry().size() == 4096 * kBlock);
  CHECK(d.limits().max_transfer_blocks == 64);
  CHECK(d.limits().max_unmap_blocks == 1024);
  CHECK(d.limits().max_unmap_descriptors == 4);
  CHECK(d.provisioning().thin);
  CHECK(d.provisioning().unmap);
  CHECK(d.provisioning().write_same_unmap);
  CHECK(d.provisioning().unmapped_reads_zero);
  CHECK(d.identity().vendor == "UISCSI");
  CHECK(d.identity().product == "FAKE DISK");
  CHECK(d.lun() == 1);
}

TEST_CASE("block: READ CAPACITY (10) when (16) is refused, and a LUN that does not exist", "[block]") {
  asio::io_context io;
  FakeTargetConfig tc;
  tc.disk.read_capacity_16 = false;
  tc.disk.thin = false;
  FakeTarget target(io, tc);
  SessionOpen o = test::open_fake(io, target, test::fake_config(target));
  REQUIRE(o.session);
  BlockDeviceOpen d = test::run(io, BlockDevice::open(*o.session, 1));
  INFO(d.error);
  REQUIRE(d.device);
  CHECK(d.device->geometry().blocks == tc.disk.blocks);
  CHECK_FALSE(d.device->provisioning().thin);
  CHECK_FALSE(d.device->provisioning().unmap);
  // No thin provisioning: one mapped extent, and no trim.
  const LbaStatus s = test::run(io, d.device->lba_status(0));
  CHECK_FALSE(s.ec);
  CHECK(s.status == BlockStatus::mapped);
  CHECK(s.length == d.device->geometry().size());
  CHECK(test::run(io, d.device->trim(0, kBlock)) == errc::not_supported);

  const BlockDeviceOpen missing = test::run(io, BlockDevice::open(*o.session, 7));
  CHECK_FALSE(missing.device);
  CHECK(missing.ec);
  CHECK(missing.error.find("LUN 7") != std::string::npos);
  o.session->close();
  test::drain(io);
}

TEST_CASE("block: large requests are split at the largest transfer", "[block]") {
  FakeTargetConfig tc;
  tc.disk.max_transfer_blocks = 16;
  Fixture f(tc);
  const std::vector<std::byte> data = test::random_bytes(100 * kBlock, 5);
  // Ten iovecs of uneven sizes over the 100 blocks.
  std::vector<iovec> iov;
  for (std::size_t at = 0; at < data.size();) {
    const std::size_t n = std::min<std::size_t>(data.size() - at, 3000 + 700 * iov.size());
    iov.push_back({const_cast<std::byte*>(data.data()) + at, n});
    at += n;
  }
  REQUIRE_FALSE(test::run(f.io, f.device->write(10 * kBlock, iov)));
  CHECK((f.disk(10 * kBlock, data.size()) == data));
  CHECK(f.target.disk().counters().write_10 == 7);  // ceil(100 / 16)
  CHECK(f.target.disk().counters().largest_transfer_blocks == 16);
  CHECK(f.target.disk().counters().fua_writes == 0);

  std::vector<std::byte> back(data.size());
  const iovec whole{back.data(), back.size()};
  REQUIRE_FALSE(test::run(f.io, f.device->read(10 * kBlock, {&whole, 1})));
  CHECK((back == data));
  CHECK(f.target.disk().counters().read_10 == 7);

  REQUIRE_FALSE(test::run(f.io, f.device->write(0, {&whole, 1}, /*fua=*/true)));
  CHECK(f.target.disk().counters().fua_writes == 7);
  REQUIRE_FALSE(test::run(f.io, f.device->flush()));
  CHECK(f.target.disk().counters().synchronize_cache == 1);
}

TEST_CASE("block: READ (16) when the block count does not fit READ (10)", "[block]") {
  FakeTargetConfig tc;
  tc.disk.blocks = 0x10000 + 64;
  BlockDeviceOptions options;
  options.max_io_bytes = 64u << 20;
  Fixture f(tc, options);
  std::vector<std::byte> back((0x10000 + 1) * kBlock);  // 65537 blocks: one more than (10) can say
  const iovec iov{back.data(), back.size()};
  REQUIRE_FALSE(test::run(f.io, f.device->read(0, {&iov, 1})));
  CHECK(f.target.disk().counters().read_16 == 1);
  CHECK(f.target.disk().counters().read_10 == 0);
  const iovec small{back.data(), 0xffff * kBlock};
  REQUIRE_FALSE(test::run(f.io, f.device->read(0, {&small, 1})));
  CHECK(f.target.disk().counters().read_10 == 1);
}

TEST_CASE("block: trim, write_zeroes and GET LBA STATUS", "[block]") {
  Fixture f;
  const std::size_t total = f.device->geometry().size();
  const std::vector<std::byte> data = test::random_bytes(4096 * kBlock, 8);
  const iovec all{const_cast<std::byte*>(data.data()), data.size()};
  REQUIRE_FALSE(test::run(f.io, f.device->write(0, {&all, 1})));

  SECTION("trim: every UNMAP within 1024 blocks in at most 4 descriptors") {
    REQUIRE_FALSE(test::run(f.io, f.device->trim(100 * kBlock, 3000 * kBlock)));
    CHECK(f.target.disk().counters().unmap == 3);  // ceil(3000 / 1024)
    CHECK((f.disk(100 * kBlock, 3000 * kBlock) == std::vector<std::byte>(3000 * kBlock)));
    CHECK((f.disk(0, 100 * kBlock) == std::vector<std::byte>(data.begin(), data.begin() + 100 * kBlock)));
    const LbaStatus before = test::run(f.io, f.device->lba_status(0));
    REQUIRE_FALSE(before.ec);
    CHECK(before.status == BlockStatus::mapped);
    CHECK(before.length == 100 * kBlock);
    const LbaStatus trimmed = test::run(f.io, f.device->lba_status(1000 * kBlock));
    REQUIRE_FALSE(trimmed.ec);
    CHECK(trimmed.status == BlockStatus::deallocated);
    CHECK(trimmed.offset == 1000 * kBlock);
    CHECK(trimmed.length == 2100 * kBlock);
  }
  SECTION("write_zeroes with WRITE SAME, with and without UNMAP, and FUA") {
    REQUIRE_FALSE(test::run(f.io, f.device->write_zeroes(0, 8 * kBlock, /*fua=*/true, /*may_trim=*/false)));
    CHECK(f.target.disk().counters().write_same == 1);
    CHECK(f.target.disk().counters().write_same_unmap == 0);
    CHECK(f.target.disk().counters().synchronize_cache == 1);  // WRITE SAME has no FUA bit
    CHECK(f.target.disk().mapped(0));
    REQUIRE_FALSE(test::run(f.io, f.device->write_zeroes(8 * kBlock, 8 * kBlock, false, /*may_trim=*/true)));
    CHECK(f.target.disk().counters().write_same_unmap == 1);
    CHECK_FALSE(f.target.disk().mapped(8));
    CHECK((f.disk(0, 16 * kBlock) == std::vector<std::byte>(16 * kBlock)));
    CHECK((f.disk(16 * kBlock, kBlock) == std::vector<std::byte>(data.begin() + 16 * kBlock, data.begin() + 17 * kBlock)));
  }
  SECTION("errors are caught before anything is sent") {
    std::vector<std::byte> buffer(kBlock);
    const iovec one{buffer.data(), buffer.size()};
    const iovec odd{buffer.data(), 100};
    CHECK(test::run(f.io, f.device->read(1, {&one, 1})) == errc::unaligned);
    CHECK(test::run(f.io, f.device->read(0, {&odd, 1})) == errc::unaligned);
    CHECK(test::run(f.io, f.device->write(total, {&one, 1})) == errc::out_of_range);
    CHECK(test::run(f.io, f.device->trim(total - kBlock, 2 * kBlock)) == errc::out_of_range);
    CHECK(test::run(f.io, f.device->lba_status(total)).ec == errc::out_of_range);
    CHECK(test::run(f.io, f.device->write_zeroes(7, kBlock)) == errc::unaligned);
    CHECK(f.target.disk().counters().unmap == 0);
  }
}

TEST_CASE("block: write_zeroes falls back to writing zeroes without WRITE SAME", "[block]") {
  FakeTargetConfig tc;
  tc.disk.write_same = false;
  tc.disk.max_transfer_blocks = 32;
  Fixture f(tc);
  const std::vector<std::byte> data = test::random_bytes(300 * kBlock, 4);
  const iovec all{const_cast<std::byte*>(data.data()), data.size()};
  REQUIRE_FALSE(test::run(f.io, f.device->write(0, {&all, 1})));
  const auto writes = f.target.disk().counters().write_10;
  REQUIRE_FALSE(test::run(f.io, f.device->write_zeroes(10 * kBlock, 200 * kBlock, true, true)));
  CHECK((f.disk(10 * kBlock, 200 * kBlock) == std::vector<std::byte>(200 * kBlock)));
  CHECK((f.disk(0, 10 * kBlock) == std::vector<std::byte>(data.begin(), data.begin() + 10 * kBlock)));
  CHECK(f.target.disk().counters().write_same == 1);  // tried once, refused, never again
  CHECK(f.target.disk().counters().write_10 - writes == 7);  // ceil(200 / 32)
  CHECK(f.target.disk().counters().fua_writes == 7);
  REQUIRE_FALSE(test::run(f.io, f.device->write_zeroes(0, kBlock)));
  CHECK(f.target.disk().counters().write_same == 1);
}

}  // namespace uiscsi::initiator
