// READ / WRITE (6, 10, 12, 16) through LogicalUnit::execute.
#include <unistd.h>

#include <atomic>
#include <thread>

#include "scsi_test_support.h"

namespace uiscsi::target::scsi::test {
namespace {

namespace cdb = iscsi::scsi::cdb;
using iscsi::scsi::SenseKey;
namespace asc = iscsi::scsi::asc;
constexpr std::size_t kBs = Harness::kBlockSize;

// A RAM backend that counts FUA writes and flushes.
class CountingBackend final : public Backend {
 public:
  CountingBackend() {
    std::error_code ec;
    ram_ = RamBackend::create({512, 256}, ec);
  }
  Geometry geometry() const noexcept override { return ram_->geometry(); }
  Features features() const noexcept override {
    Features f = ram_->features();
    f.volatile_write_cache = true;
    return f;
  }
  std::error_code read(std::uint64_t lba, std::span<std::byte> out) override { return ram_->read(lba, out); }
  std::error_code write(std::uint64_t lba, std::span<const std::byte> in, bool fua) override {
    (fua ? fua_writes : plain_writes).fetch_add(1);
    return ram_->write(lba, in, fua);
  }
  std::error_code flush() override {
    flushes.fetch_add(1);
    return {};
  }
  std::error_code unmap(std::uint64_t lba, std::uint64_t blocks) override { return ram_->unmap(lba, blocks); }
  std::error_code write_zeroes(std::uint64_t lba, std::uint64_t blocks, bool fua) override {
    return ram_->write_zeroes(lba, blocks, fua);
  }
  std::error_code provisioning_status(std::uint64_t lba, Extent& out) override {
    return ram_->provisioning_status(lba, out);
  }

  std::atomic<int> fua_writes{0};
  std::atomic<int> plain_writes{0};
  std::atomic<int> flushes{0};

 private:
  std::unique_ptr<RamBackend> ram_;
};

// A backend whose reads and writes fail with a given errno.
class FailingBackend final : public Backend {
 public:
  explicit FailingBackend(int err) : err_(err) {}
  Geometry geometry() const noexcept override { return {512, 64}; }
  Features features() const noexcept override { return {}; }
  std::error_code read(std::uint64_t, std::span<std::byte>) override { return {err_, std::system_category()}; }
  std::error_code write(std::uint64_t, std::span<const std::byte>, bool) override {
    return {err_, std::system_category()};
  }
  std::error_code flush() override { return {err_, std::system_category()}; }
  std::error_code unmap(std::uint64_t, std::uint64_t) override { return backend_errc::not_supported; }
  std::error_code write_zeroes(std::uint64_t, std::uint64_t, bool) override { return {err_, std::system_category()}; }
  std::error_code provisioning_status(std::uint64_t lba, Extent& out) override {
    out = {lba, 64 - lba, ProvisioningState::mapped};
    return {};
  }

 private:
  int err_;
};

TEST_CASE("WRITE then READ returns the data for every CDB size", "[scsi][read_write]") {
  Harness h;
  const auto data = pattern(4 * kBs, 3);

  SECTION("10-byte") {
    REQUIRE(h.run(cdb::write_10(100, 4).view(), data).status() == Status::good);
    const Result r = h.run(cdb::read_10(100, 4).view(), {}, data.size());
    REQUIRE(r.status() == Status::good);
    CHECK(r.data == data);
    CHECK(r.response.expected_length == data.size());
  }
  SECTION("16-byte") {
    h.write(2000, data);
    CHECK(h.read(2000, 4) == data);
  }
  SECTION("6-byte, 21-bit LBA") {
    REQUIRE(h.run(bytes({0x0a, 0x00, 0x01, 0x00, 4, 0}), data).status() == Status::good);  // WRITE(6) LBA 256
    CHECK(h.read(256, 4) == data);
    const Result r = h.run(bytes({0x08, 0x00, 0x01, 0x00, 4, 0}), {}, data.size());
    CHECK(r.data == data);
  }
  SECTION("12-byte") {
    REQUIRE(h.run(bytes({0xaa, 0, 0, 0, 0, 9, 0, 0, 0, 4, 0, 0}), data).status() == Status::good);
    const Result r = h.run(bytes({0xa8, 0, 0, 0, 0, 9, 0, 0, 0, 4, 0, 0}), {}, data.size());
    CHECK(r.data == data);
  }
}

TEST_CASE("READ(6) with TRANSFER LENGTH 0 transfers 256 blocks", "[scsi][read_write]") {
  Harness h;
  const Result r = h.run(bytes({0x08, 0, 0, 0, 0, 0}), {}, 256 * kBs);
  REQUIRE(r.status() == Status::good);
  CHECK(r.response.expected_length == 256 * kBs);
  CHECK(r.data.size() == 256 * kBs);
}

TEST_CASE("zero-length transfers succeed but the LBA is still checked", "[scsi][read_write]") {
  Harness h;
  CHECK(h.run(cdb::read_10(0, 0).view()).status() == Status::good);
  CHECK(h.run(cdb::write_10(Harness::kBlocks, 0).view()).status() == Status::good);
  CHECK(h.run(cdb::read_10(Harness::kBlocks + 1, 0).view()).has_sense(SenseKey::illegal_request, asc::lba_out_of_range));
}

TEST_CASE("accesses beyond the end fail with LBA OUT OF RANGE", "[scsi][read_write]") {
  Harness h;
  const auto block = pattern(2 * kBs, 1);
  CHECK(h.run(cdb::read_16(Harness::kBlocks - 1, 2).view(), {}, 2 * kBs)
            .has_sense(SenseKey::illegal_request, asc::lba_out_of_range));
  CHECK(h.run(cdb::write_16(Harness::kBlocks - 1, 2).view(), block)
            .has_sense(SenseKey::illegal_request, asc::lba_out_of_range));
  // LBA + length wrapping around 2^64 must not pass the check.
  CHECK(h.run(cdb::read_16(~std::uint64_t{0}, 2).view(), {}, 2 * kBs)
            .has_sense(SenseKey::illegal_request, asc::lba_out_of_range));
  CHECK(h.run(cdb::read_16(Harness::kBlocks - 2, 2).view(), {}, 2 * kBs).status() == Status::good);
}

TEST_CASE("a transfer above MAXIMUM TRANSFER LENGTH is an invalid field", "[scsi][read_write]") {
  LuConfig config = Harness::default_config();
  config.max_transfer_bytes = 8 * kBs;
  Harness h(nullptr, config);
  const Result r = h.run(cdb::read_10(0, 9).view(), {}, 9 * kBs);
  REQUIRE(r.has_sense(SenseKey::illegal_request, asc::invalid_field_in_cdb));
  const auto s = r.sense();
  REQUIRE(s.sense_key_specific);
  CHECK((*s.sense_key_specific)[2] == 7);  // TRANSFER LENGTH starts at byte 7
  CHECK(h.run(cdb::read_10(0, 8).view(), {}, 8 * kBs).status() == Status::good);
}

TEST_CASE("reserved and unsupported CDB bits are refused with a field pointer", "[scsi][read_write]") {
  Harness h;
  SECTION("RDPROTECT without protection information") {
    iscsi::scsi::cdb::RwFlags flags;
    flags.protect = 1;
    const Result r = h.run(cdb::read_10(0, 1, flags).view(), {}, kBs);
    REQUIRE(r.has_sense(SenseKey::illegal_request, asc::invalid_field_in_cdb));
    const auto sks = *r.sense().sense_key_specific;
    CHECK((sks[0] & 0x40) != 0);  // C/D: in the CDB
    CHECK((sks[0] & 0x08) != 0);  // BPV
    CHECK((sks[0] & 0x07) == 5);  // bit 5
    CHECK(sks[2] == 1);           // byte 1
  }
  SECTION("NACA in the control byte") {
    auto c = cdb::read_10(0, 1);
    c.bytes[9] = std::byte{0x04};
    const Result r = h.run(c.view(), {}, kBs);
    REQUIRE(r.has_sense(SenseKey::illegal_request, asc::invalid_field_in_cdb));
    CHECK((*r.sense().sense_key_specific)[2] == 9);
  }
  SECTION("DPO and FUA are accepted") {
    iscsi::scsi::cdb::RwFlags flags;
    flags.dpo = true;
    flags.fua = true;
    CHECK(h.run(cdb::read_10(0, 1, flags).view(), {}, kBs).status() == Status::good);
    CHECK(h.run(cdb::write_10(0, 1, flags).view(), pattern(kBs, 2)).status() == Status::good);
  }
}

TEST_CASE("a Data-In buffer shorter than the transfer gets what fits", "[scsi][read_write]") {
  Harness h;
  const auto data = pattern(2 * kBs, 9);
  h.write(10, data);
  SECTION("part of a block") {
    const Result r = h.run(cdb::read_10(10, 2).view(), {}, 700);
    REQUIRE(r.status() == Status::good);
    CHECK(r.response.expected_length == 2 * kBs);  // the caller reports a 324-byte overflow
    REQUIRE(r.data.size() == 700);
    CHECK(std::equal(r.data.begin(), r.data.end(), data.begin()));
  }
  SECTION("nothing") {
    const Result r = h.run(cdb::read_10(10, 2).view(), {}, 0);
    CHECK(r.status() == Status::good);
    CHECK(r.data.empty());
  }
  SECTION("a longer buffer is filled only as far as the transfer") {
    const Result r = h.run(cdb::read_10(10, 1).view(), {}, 4 * kBs);
    CHECK(r.response.data_in_length == kBs);
    CHECK(r.response.expected_length == kBs);
  }
}

TEST_CASE("a Data-Out shorter than the transfer writes the whole blocks that arrived", "[scsi][read_write]") {
  Harness h;
  const auto before = h.read(0, 2);
  SECTION("ending inside a block: nothing is written") {
    const Result r = h.run(cdb::write_10(0, 2).view(), pattern(kBs + 200, 4));
    CHECK(r.has_sense(SenseKey::illegal_request, {0x0e, 0x03}));  // INVALID FIELD IN INFORMATION UNIT
    CHECK(r.response.expected_length == 2 * kBs);
    CHECK(h.read(0, 2) == before);
  }
  SECTION("one whole block of two: the first is written, the second is untouched") {
    const auto data = pattern(kBs, 6);
    const Result r = h.run(cdb::write_10(0, 2).view(), data);
    CHECK(r.status() == Status::good);
    CHECK(r.response.expected_length == 2 * kBs);  // the caller reports a 512-byte overflow
    CHECK(h.read(0, 1) == data);
    CHECK(h.read(1, 1) == std::vector<std::byte>(before.begin() + kBs, before.end()));
  }
  SECTION("no data at all: nothing is written") {
    const Result r = h.run(cdb::write_10(0, 1).view(), {});
    CHECK(r.status() == Status::good);
    CHECK(h.read(0, 2) == before);
  }
  SECTION("WRITE AND VERIFY writes and verifies the blocks that arrived") {
    const auto data = pattern(kBs, 8);
    // WRITE AND VERIFY (10) of two blocks at LBA 0, BYTCHK 01b (compare with Data-Out).
    const Result r = h.run(bytes({0x2e, 0x02, 0, 0, 0, 0, 0, 0, 2, 0}), data);
    CHECK(r.status() == Status::good);
    CHECK(h.read(0, 1) == data);
    CHECK(h.read(1, 1) == std::vector<std::byte>(before.begin() + kBs, before.end()));
  }
  SECTION("more Data-Out than needed: only the transfer length is written") {
    const auto data = pattern(3 * kBs, 5);
    REQUIRE(h.run(cdb::write_10(0, 2).view(), data).status() == Status::good);
    CHECK(h.read(0, 2) == std::vector<std::byte>(data.begin(), data.begin() + 2 * kBs));
  }
}

TEST_CASE("FUA and SYNCHRONIZE CACHE reach the backend", "[scsi][read_write]") {
  auto backend = std::make_unique<CountingBackend>();
  CountingBackend& counter = *backend;
  Harness h(std::move(backend));
  iscsi::scsi::cdb::RwFlags fua;
  fua.fua = true;

  REQUIRE(h.run(cdb::write_10(0, 1).view(), pattern(kBs, 1)).status() == Status::good);
  CHECK(counter.plain_writes == 1);
  CHECK(counter.fua_writes == 0);
  REQUIRE(h.run(cdb::write_10(0, 1, fua).view(), pattern(kBs, 1)).status() == Status::good);
  CHECK(counter.fua_writes == 1);
  REQUIRE(h.run(cdb::synchronize_cache_10().view()).status() == Status::good);
  REQUIRE(h.run(cdb::synchronize_cache_16(10, 5).view()).status() == Status::good);
  CHECK(counter.flushes == 2);
  CHECK(h.run(cdb::synchronize_cache_16(Harness::kBlocks, 1).view())
            .has_sense(SenseKey::illegal_request, asc::lba_out_of_range));

  SECTION("with the write cache disabled every write is FUA") {
    // MODE SELECT (6) of the caching page with WCE = 0.
    auto page = bytes({0, 0, 0, 0, 0x08, 0x12});
    page.resize(4 + 20);
    REQUIRE(h.run(bytes({0x15, 0x10, 0, 0, 24, 0}), page).status() == Status::good);
    REQUIRE(h.run(cdb::write_10(0, 1).view(), pattern(kBs, 1)).status() == Status::good);
    CHECK(counter.fua_writes == 2);
    CHECK(counter.plain_writes == 1);
  }
}

TEST_CASE("backend errors become sense data", "[scsi][read_write]") {
  SECTION("EIO") {
    Harness h(std::make_unique<FailingBackend>(EIO));
    CHECK(h.run(cdb::read_10(0, 1).view(), {}, kBs).has_sense(SenseKey::medium_error, asc::unrecovered_read_error));
    CHECK(h.run(cdb::write_10(0, 1).view(), pattern(kBs, 1)).has_sense(SenseKey::medium_error, asc::write_error));
  }
  SECTION("ENOSPC") {
    Harness h(std::make_unique<FailingBackend>(ENOSPC));
    CHECK(h.run(cdb::write_10(0, 1).view(), pattern(kBs, 1)).has_sense(SenseKey::data_protect, {0x27, 0x07}));
  }
  SECTION("anything else") {
    Harness h(std::make_unique<FailingBackend>(ENOMEM));
    CHECK(h.run(cdb::synchronize_cache_10().view()).has_sense(SenseKey::hardware_error, asc::internal_target_failure));
  }
}

TEST_CASE("a write-protected logical unit refuses writes and reports WP", "[scsi][read_write]") {
  LuConfig config = Harness::default_config();
  config.write_protect = true;
  Harness h(nullptr, config);
  CHECK(h.run(cdb::write_10(0, 1).view(), pattern(kBs, 1)).has_sense(SenseKey::data_protect, asc::write_protected));
  CHECK(h.run(cdb::read_10(0, 1).view(), {}, kBs).status() == Status::good);
  const Result ms = h.run(cdb::mode_sense_6(0x3f, 0, 255).view(), {}, 255);
  CHECK((ms.u8(2) & 0x80) != 0);
}

TEST_CASE("concurrent reads and writes on one logical unit", "[scsi][read_write]") {
  Harness h;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const auto data = pattern(8 * kBs, static_cast<std::uint8_t>(t));
      for (int i = 0; i < 50; ++i) {
        const std::uint64_t lba = static_cast<std::uint64_t>(t) * 100 + static_cast<std::uint64_t>(i % 10) * 8;
        std::vector<std::byte> in(8 * kBs);
        const auto write_cdb = cdb::write_16(lba, 8);
        const auto read_cdb = cdb::read_16(lba, 8);
        const Command w{kNexusA, write_cdb.view(), data, {}};
        const Command r{kNexusA, read_cdb.view(), {}, in};
        if (h.target().execute(0, w).status != Status::good) ++failures;
        if (h.target().execute(0, r).status != Status::good || in != data) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
}

// The caller that sends Data-In from a file (sendfile) gets the READ as a range of the
// backend's descriptor; everything else still reads into the Data-In buffer.
Response read_from_file(Harness& h, std::uint64_t lba, std::uint32_t blocks, std::size_t buffer) {
  std::vector<std::byte> in(buffer, std::byte{0xee});
  const auto read = cdb::read_16(lba, blocks);
  const Command command{kNexusA, read.view(), {}, in, true};
  Response r = h.target().execute(0, command);
  REQUIRE(r.status == Status::good);
  // Answered from the file: the Data-In buffer is left as it was.
  if (r.data_in_file) CHECK(in == std::vector<std::byte>(buffer, std::byte{0xee}));
  return r;
}

TEST_CASE("a READ of a file backend answers with the file range when the caller sends files", "[scsi][read_write]") {
  target::test::TempDir dir;
  Harness h(sparse_file(dir));
  h.write(100, pattern(8 * kBs, 3));

  const Response r = read_from_file(h, 100, 8, 8 * kBs);
  REQUIRE(r.data_in_file);
  CHECK(r.data_in_length == 8 * kBs);
  CHECK(r.data_in_file->offset == 100 * kBs);
  CHECK(r.data_in_file->length == 8 * kBs);
  // The range holds the blocks, and the response keeps the logical unit (and so the
  // descriptor) alive for the sender even once the LUN is gone.
  REQUIRE(r.data_in_owner);
  REQUIRE_FALSE(h.target().remove_lun(0));
  std::vector<std::byte> got(8 * kBs);
  REQUIRE(::pread(r.data_in_file->fd, got.data(), got.size(), static_cast<off_t>(r.data_in_file->offset)) ==
          static_cast<ssize_t>(got.size()));
  CHECK(got == pattern(8 * kBs, 3));
}

TEST_CASE("a READ falls back to the Data-In buffer where no file range serves it", "[scsi][read_write]") {
  SECTION("RAM backend") {
    Harness h;
    h.write(5, pattern(2 * kBs, 9));
    const Response r = read_from_file(h, 5, 2, 2 * kBs);
    CHECK_FALSE(r.data_in_file);
    CHECK_FALSE(r.data_in_owner);
  }
  SECTION("a Data-In buffer that ends inside a block") {
    target::test::TempDir dir;
    Harness h(sparse_file(dir));
    const Response r = read_from_file(h, 0, 2, kBs + 100);
    CHECK_FALSE(r.data_in_file);
    CHECK(r.data_in_length == kBs + 100);
  }
}

}  // namespace
}  // namespace uiscsi::target::scsi::test
