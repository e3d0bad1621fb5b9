// Integration with tgt through the block API: 64 MiB of random data written and read back
// at queue depth 32 and compared by SHA-256 (also against the target's backing file),
// then flush, trim, write_zeroes and GET LBA STATUS on a thin-provisioned LUN.
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>

#include "helpers.h"
#include "initiator/block_device.h"
#include "initiator/error.h"
#include "initiator/session.h"
#include "interop.h"
#include "sha256.h"
#include "tgtd.h"

namespace uiscsi::initiator {
namespace {

using test::run;
using test::Tgtd;
namespace asio = boost::asio;

SessionConfig config_for(const Tgtd& tgtd) {
  SessionConfig c;
  c.initiator_name = "iqn.2024-01.org.uiscsi:initiator-test";
  c.target_name = tgtd.target_name();
  c.portal = {tgtd.address(), tgtd.port()};
  return c;
}

std::vector<std::byte> file_contents(const std::string& path, std::size_t length) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> raw(length);
  in.read(raw.data(), static_cast<std::streamsize>(length));
  std::vector<std::byte> out(static_cast<std::size_t>(in.gcount()));
  std::memcpy(out.data(), raw.data(), out.size());
  return out;
}

// `depth` coroutines share the requests [0, total / request) of `request` bytes each.
void at_queue_depth(asio::io_context& io, std::size_t depth, std::size_t total, std::size_t request,
                    const std::function<asio::awaitable<void>(std::size_t offset)>& one, std::size_t& peak,
                    Session& session) {
  std::size_t next = 0;
  std::vector<asio::awaitable<void>> workers;
  for (std::size_t w = 0; w < depth; ++w) {
    workers.push_back([](std::size_t& next, std::size_t total, std::size_t request, auto& one, std::size_t& peak,
                         Session& session) -> asio::awaitable<void> {
      while (next * request < total) {
        const std::size_t offset = next++ * request;
        peak = std::max(peak, session.info().outstanding_tasks + 1);
        co_await one(offset);
      }
    }(next, total, request, one, peak, session));
  }
  test::run_all(io, std::move(workers));
}

}  // namespace

TEST_CASE("tgtd: 64 MiB of random data at queue depth 32, verified by SHA-256", "[.integration][block]") {
  SKIP_WITHOUT_TGTD();
  constexpr std::size_t kTotal = 64u << 20;
  Tgtd tgtd;
  asio::io_context io;
  SessionOpen o = run(io, Session::open(io, config_for(tgtd), test::tested_connector(io)));
  INFO(o.error);
  REQUIRE(o.session);
  BlockDeviceOpen d = run(io, BlockDevice::open(*o.session, 1));
  INFO(d.error);
  REQUIRE(d.device);
  BlockDevice& device = *d.device;
  CHECK(device.geometry().block_size == 512);
  CHECK(device.geometry().size() == kTotal);

  const std::vector<std::byte> data = test::random_bytes(kTotal, 64);
  const std::string expected = test::sha256(data);
  // Requests of 384 KiB: larger than MaxBurstLength (R2T sequences) and than tgt's
  // MaxRecvDataSegmentLength (several Data-In / Data-Out PDUs each).
  constexpr std::size_t kRequest = 384u << 10;
  std::size_t peak = 0;
  at_queue_depth(io, 32, kTotal, kRequest, [&](std::size_t offset) -> asio::awaitable<void> {
    const std::size_t n = std::min(kRequest, kTotal - offset);
    const iovec iov{const_cast<std::byte*>(data.data()) + offset, n};
    const std::error_code ec = co_await device.write(offset, {&iov, 1});
    REQUIRE_FALSE(ec);
  }, peak, *o.session);
  CHECK(peak > 8);
  REQUIRE_FALSE(run(io, device.flush()));
  CHECK(test::sha256(file_contents(tgtd.backing_file(), kTotal)) == expected);

  std::vector<std::byte> back(kTotal);
  peak = 0;
  at_queue_depth(io, 32, kTotal, kRequest, [&](std::size_t offset) -> asio::awaitable<void> {
    const std::size_t n = std::min(kRequest, kTotal - offset);
    // Two iovecs per request, cut at an odd place, so placement crosses buffer edges.
    const iovec iov[2] = {{back.data() + offset, 1000}, {back.data() + offset + 1000, n - 1000}};
    const std::error_code ec = co_await device.read(offset, iov);
    REQUIRE_FALSE(ec);
  }, peak, *o.session);
  CHECK(peak > 8);
  CHECK(test::sha256(back) == expected);

  const SessionInfo info = o.session->info();
  CHECK(info.counters.bytes_copied + info.counters.bytes_placed >= kTotal);
  CHECK(info.recovery.connection_failures == 0);
  CHECK_FALSE(run(io, o.session->logout()));
  test::drain(io);
}

TEST_CASE("tgtd: flush, trim, write_zeroes and GET LBA STATUS on a thin LUN", "[.integration][block]") {
  SKIP_WITHOUT_TGTD();
  test::TgtdOptions options;
  options.lun_size = 16u << 20;
  options.thin_provisioning = true;
  Tgtd tgtd(options);
  asio::io_context io;
  SessionOpen o = run(io, Session::open(io, config_for(tgtd), test::tested_connector(io)));
  INFO(o.error);
  REQUIRE(o.session);
  BlockDeviceOpen d = run(io, BlockDevice::open(*o.session, 1));
  INFO(d.error);
  REQUIRE(d.device);
  BlockDevice& device = *d.device;
  INFO("thin " << device.provisioning().thin << " unmap " << device.provisioning().unmap << " ws-unmap "
               << device.provisioning().write_same_unmap);
  CHECK(device.provisioning().thin);
  CHECK(device.provisioning().unmap);

  constexpr std::size_t kMiB = 1u << 20;
  std::vector<std::byte> data = test::random_bytes(8 * kMiB, 7);
  const iovec all{data.data(), data.size()};
  REQUIRE_FALSE(run(io, device.write(0, {&all, 1}, /*fua=*/true)));
  REQUIRE_FALSE(run(io, device.flush()));

  const LbaStatus mapped = run(io, device.lba_status(kMiB));
  REQUIRE_FALSE(mapped.ec);
  CHECK(mapped.status == BlockStatus::mapped);
  CHECK(mapped.offset == kMiB);
  CHECK(mapped.length >= kMiB);

  // trim [1 MiB, 2 MiB): reads back as zeroes and is reported deallocated.
  REQUIRE_FALSE(run(io, device.trim(kMiB, kMiB)));
  const LbaStatus trimmed = run(io, device.lba_status(kMiB));
  REQUIRE_FALSE(trimmed.ec);
  CHECK(trimmed.status == BlockStatus::deallocated);
  CHECK(trimmed.length == kMiB);
  // write_zeroes on [3, 4 MiB) without and on [5, 6 MiB) with permission to unmap.
  REQUIRE_FALSE(run(io, device.write_zeroes(3 * kMiB, kMiB, /*fua=*/true, /*may_trim=*/false)));
  REQUIRE_FALSE(run(io, device.write_zeroes(5 * kMiB, kMiB, /*fua=*/false, /*may_trim=*/true)));

  std::vector<std::byte> back(8 * kMiB);
  const iovec whole{back.data(), back.size()};
  REQUIRE_FALSE(run(io, device.read(0, {&whole, 1})));
  std::vector<std::byte> expected = data;
  for (const std::size_t mib : {1, 3, 5}) std::fill_n(expected.begin() + mib * kMiB, kMiB, std::byte{0});
  CHECK(test::sha256(back) == test::sha256(expected));

  // Out of range and unaligned requests never reach the target.
  CHECK(run(io, device.read(16 * kMiB, {&whole, 1})) == errc::out_of_range);
  CHECK(run(io, device.trim(100, 512)) == errc::unaligned);
  CHECK_FALSE(run(io, o.session->logout()));
  test::drain(io);
}

}  // namespace uiscsi::initiator
