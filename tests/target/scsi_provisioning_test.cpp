// UNMAP, WRITE SAME and GET LBA STATUS, on a RAM disk and on a sparse file.
#include <bit>

#include "iscsi/scsi_capacity.h"
#include "iscsi/scsi_unmap.h"
#include "scsi_test_support.h"

namespace uiscsi::target::scsi::test {
namespace {

namespace cdb = iscsi::scsi::cdb;
using iscsi::scsi::SenseKey;
namespace asc = iscsi::scsi::asc;
constexpr std::size_t kBs = Harness::kBlockSize;

std::vector<std::byte> unmap_list(std::initializer_list<iscsi::scsi::UnmapDescriptor> d) {
  std::vector<std::byte> out;
  REQUIRE_FALSE(iscsi::scsi::encode_unmap_list(std::vector<iscsi::scsi::UnmapDescriptor>(d), out));
  return out;
}

std::vector<iscsi::scsi::LbaStatusDescriptor> lba_status(Harness& h, std::uint64_t lba) {
  Result r = h.run(cdb::get_lba_status(lba, 1024).view(), {}, 1024);
  REQUIRE(r.status() == Status::good);
  std::vector<iscsi::scsi::LbaStatusDescriptor> out;
  REQUIRE_FALSE(iscsi::scsi::parse_lba_status(r.data, out));
  return out;
}

TEST_CASE("UNMAP on a sparse file shows up as deallocated in GET LBA STATUS", "[scsi][provisioning]") {
  target::test::TempDir dir;
  Harness h(sparse_file(dir));
  // The file system block shows up as the physical block (READ CAPACITY (16) LBPPBE).
  const Result rc = h.run(cdb::read_capacity_16(32).view(), {}, 32);
  const std::uint32_t physical = h.lu().backend().geometry().physical_block_size;
  CHECK((rc.u8(13) & 0x0f) == (physical > kBs ? std::countr_zero(physical / kBs) : 0));
  // A fresh sparse file is one hole.
  CHECK(lba_status(h, 0) == std::vector<iscsi::scsi::LbaStatusDescriptor>{
                                {0, Harness::kBlocks, iscsi::scsi::ProvisioningStatus::deallocated}});

  h.write(0, pattern(Harness::kBlocks * kBs, 1));
  CHECK(lba_status(h, 0).size() == 1);
  CHECK(lba_status(h, 0)[0].status == iscsi::scsi::ProvisioningStatus::mapped);

  const auto list = unmap_list({{512, 256}, {1024, 512}});
  REQUIRE(h.run(cdb::unmap(static_cast<std::uint16_t>(list.size())).view(), list).status() == Status::good);
  const auto status = lba_status(h, 0);
  using PS = iscsi::scsi::ProvisioningStatus;
  REQUIRE(status.size() == 5);
  CHECK(status[0] == iscsi::scsi::LbaStatusDescriptor{0, 512, PS::mapped});
  CHECK(status[1] == iscsi::scsi::LbaStatusDescriptor{512, 256, PS::deallocated});
  CHECK(status[2] == iscsi::scsi::LbaStatusDescriptor{768, 256, PS::mapped});
  CHECK(status[3] == iscsi::scsi::LbaStatusDescriptor{1024, 512, PS::deallocated});
  CHECK(status[4] == iscsi::scsi::LbaStatusDescriptor{1536, 512, PS::mapped});
  // Deallocated blocks read as zeroes (LBPRZ).
  CHECK(h.read(600, 2) == std::vector<std::byte>(2 * kBs));
  // Starting inside an extent reports from there.
  CHECK(lba_status(h, 600)[0] == iscsi::scsi::LbaStatusDescriptor{600, 168, PS::deallocated});
  // A short allocation length carries fewer descriptors.
  Result r = h.run(cdb::get_lba_status(0, 24).view(), {}, 1024);
  CHECK(r.data.size() == 24);
  CHECK(h.run(cdb::get_lba_status(Harness::kBlocks, 64).view(), {}, 64)
            .has_sense(SenseKey::illegal_request, asc::lba_out_of_range));
}

TEST_CASE("UNMAP parameter list validation", "[scsi][provisioning]") {
  Harness h;
  const auto data = pattern(8 * kBs, 4);
  h.write(0, data);
  SECTION("no list is not an error") { CHECK(h.run(cdb::unmap(0).view()).status() == Status::good); }
  SECTION("a list shorter than its header") {
    CHECK(h.run(cdb::unmap(6).view(), std::vector<std::byte>(6)).has_sense(SenseKey::illegal_request,
                                                                            asc::parameter_list_length_error));
  }
  SECTION("a descriptor beyond the end changes nothing") {
    const auto list = unmap_list({{0, 4}, {Harness::kBlocks - 1, 2}});
    CHECK(h.run(cdb::unmap(static_cast<std::uint16_t>(list.size())).view(), list)
              .has_sense(SenseKey::illegal_request, asc::lba_out_of_range));
    CHECK(h.read(0, 8) == data);
  }
  SECTION("too many blocks in one descriptor") {
    LuConfig config = Harness::default_config();
    config.max_unmap_blocks = 4;
    Harness small(nullptr, config);
    const auto list = unmap_list({{0, 5}});
    const Result r = small.run(cdb::unmap(static_cast<std::uint16_t>(list.size())).view(), list);
    REQUIRE(r.has_sense(SenseKey::illegal_request, asc::invalid_field_in_parameter_list));
    CHECK((*r.sense().sense_key_specific)[2] == 16);  // first descriptor's NUMBER OF LOGICAL BLOCKS
  }
  SECTION("too many descriptors") {
    LuConfig config = Harness::default_config();
    config.max_unmap_descriptors = 1;
    Harness small(nullptr, config);
    const auto list = unmap_list({{0, 1}, {2, 1}});
    CHECK(small.run(cdb::unmap(static_cast<std::uint16_t>(list.size())).view(), list)
              .has_sense(SenseKey::illegal_request, asc::invalid_field_in_parameter_list));
  }
  SECTION("ANCHOR is not supported") {
    const auto list = unmap_list({{0, 1}});
    CHECK(h.run(cdb::unmap(static_cast<std::uint16_t>(list.size()), true).view(), list)
              .has_sense(SenseKey::illegal_request, asc::invalid_field_in_cdb));
  }
}

TEST_CASE("WRITE SAME writes a pattern, zeroes, or deallocates", "[scsi][provisioning]") {
  target::test::TempDir dir;
  Harness h(sparse_file(dir));
  h.write(0, pattern(64 * kBs, 9));
  const auto block = pattern(kBs, 77);

  SECTION("a pattern block") {
    REQUIRE(h.run(cdb::write_same_16(4, 10).view(), block).status() == Status::good);
    const auto back = h.read(4, 10);
    for (std::size_t b = 0; b < 10; ++b) {
      CHECK(std::equal(block.begin(), block.end(), back.begin() + static_cast<std::ptrdiff_t>(b * kBs)));
    }
  }
  SECTION("WRITE SAME (10) with UNMAP and a zero block deallocates") {
    REQUIRE(h.run(bytes({0x41, 0x08, 0, 0, 0, 0, 0, 0, 16, 0}), std::vector<std::byte>(kBs)).status() == Status::good);
    CHECK(h.read(0, 16) == std::vector<std::byte>(16 * kBs));
    CHECK(lba_status(h, 0)[0].status == iscsi::scsi::ProvisioningStatus::deallocated);
  }
  SECTION("WRITE SAME (16) with UNMAP deallocates whatever the block holds") {
    iscsi::scsi::cdb::WriteSameFlags flags;
    flags.unmap = true;
    REQUIRE(h.run(cdb::write_same_16(0, 32, flags).view(), block).status() == Status::good);
    CHECK(h.read(0, 32) == std::vector<std::byte>(32 * kBs));
  }
  SECTION("NDOB writes zeroes without Data-Out") {
    iscsi::scsi::cdb::WriteSameFlags flags;
    flags.ndob = true;
    const Result r = h.run(cdb::write_same_16(8, 8, flags).view());
    REQUIRE(r.status() == Status::good);
    CHECK(r.response.expected_length == 0);
    CHECK(h.read(8, 8) == std::vector<std::byte>(8 * kBs));
  }
  SECTION("NUMBER OF LOGICAL BLOCKS 0 runs to the end") {
    REQUIRE(h.run(cdb::write_same_16(Harness::kBlocks - 3, 0).view(), block).status() == Status::good);
    CHECK(std::equal(block.begin(), block.end(), h.read(Harness::kBlocks - 1, 1).begin()));
  }
  SECTION("Data-Out of the wrong size") {
    CHECK(h.run(cdb::write_same_16(0, 4).view(), pattern(kBs / 2, 1)).status() == Status::check_condition);
    CHECK(h.run(cdb::write_same_16(0, 4).view(), pattern(2 * kBs, 1)).status() == Status::check_condition);
  }
  SECTION("limits") {
    CHECK(h.run(cdb::write_same_16(Harness::kBlocks - 1, 2).view(), block)
              .has_sense(SenseKey::illegal_request, asc::lba_out_of_range));
    iscsi::scsi::cdb::WriteSameFlags anchor;
    anchor.anchor = true;
    anchor.unmap = true;
    CHECK(h.run(cdb::write_same_16(0, 1, anchor).view(), block)
              .has_sense(SenseKey::illegal_request, asc::invalid_field_in_cdb));
  }
}

TEST_CASE("a backend without UNMAP hides UNMAP and provisioning", "[scsi][provisioning]") {
  // A FailingBackend-like minimal backend: RAM without the unmap feature.
  class ThickBackend final : public Backend {
   public:
    ThickBackend() {
      std::error_code ec;
      ram_ = RamBackend::create({512, 64}, ec);
    }
    Geometry geometry() const noexcept override { return ram_->geometry(); }
    Features features() const noexcept override { return {}; }
    std::error_code read(std::uint64_t l, std::span<std::byte> o) override { return ram_->read(l, o); }
    std::error_code write(std::uint64_t l, std::span<const std::byte> i, bool f) override { return ram_->write(l, i, f); }
    std::error_code flush() override { return {}; }
    std::error_code unmap(std::uint64_t, std::uint64_t) override { return backend_errc::not_supported; }
    std::error_code write_zeroes(std::uint64_t l, std::uint64_t b, bool f) override {
      return ram_->write_zeroes(l, b, f);
    }
    std::error_code provisioning_status(std::uint64_t l, Extent& e) override { return ram_->provisioning_status(l, e); }

   private:
    std::unique_ptr<RamBackend> ram_;
  };
  Harness h(std::make_unique<ThickBackend>());
  const auto list = unmap_list({{0, 1}});
  CHECK(h.run(cdb::unmap(static_cast<std::uint16_t>(list.size())).view(), list)
            .has_sense(SenseKey::illegal_request, asc::invalid_command_operation_code));
  Result rc = h.run(cdb::read_capacity_16(32).view(), {}, 32);
  CHECK((rc.u8(14) & 0x80) == 0);  // LBPME clear
  // WRITE SAME with UNMAP is refused (LBPWS10 is clear), without UNMAP it writes zeroes.
  CHECK(h.run(bytes({0x41, 0x08, 0, 0, 0, 0, 0, 0, 4, 0}), std::vector<std::byte>(kBs))
            .has_sense(SenseKey::illegal_request, asc::invalid_field_in_cdb));
  REQUIRE(h.run(bytes({0x41, 0x00, 0, 0, 0, 0, 0, 0, 4, 0}), std::vector<std::byte>(kBs)).status() == Status::good);
}

}  // namespace
}  // namespace uiscsi::target::scsi::test
