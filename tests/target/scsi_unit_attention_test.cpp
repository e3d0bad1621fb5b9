// Unit attentions per I_T nexus, REQUEST SENSE, resets, START STOP UNIT.
#include "scsi_test_support.h"

namespace uiscsi::target::scsi::test {
namespace {

namespace cdb = iscsi::scsi::cdb;
using iscsi::scsi::SenseKey;
namespace asc = iscsi::scsi::asc;

const Nexus kNexusC{"iqn.1993-08.org.debian:01:gamma,i,0x23d000000003", "iqn.2024-01.org.uiscsi:disk,t,0x0002", 2};

iscsi::scsi::SenseData request_sense(Harness& h, const Nexus& n) {
  const Result r = h.run(n, cdb::request_sense(252).view(), {}, 252);
  REQUIRE(r.status() == Status::good);
  iscsi::scsi::SenseData s;
  REQUIRE_FALSE(iscsi::scsi::parse_sense(r.data, s));
  return s;
}

TEST_CASE("a new nexus gets POWER ON once, after INQUIRY and REPORT LUNS", "[scsi][ua]") {
  Harness h;
  h.target().nexus_established(kNexusC);
  // INQUIRY and REPORT LUNS neither report nor clear it.
  CHECK(h.run(kNexusC, cdb::inquiry(36).view(), {}, 36).status() == Status::good);
  CHECK(h.run(kNexusC, cdb::report_luns(64).view(), {}, 64).status() == Status::good);
  CHECK(h.run(kNexusC, cdb::read_10(0, 1).view(), {}, 512)
            .has_sense(SenseKey::unit_attention, asc::power_on_reset_or_bus_device_reset));
  CHECK(h.run(kNexusC, cdb::read_10(0, 1).view(), {}, 512).status() == Status::good);
  // Another session of an established nexus does not repeat it.
  h.target().nexus_established(kNexusC);
  CHECK(h.run(kNexusC, cdb::test_unit_ready().view()).status() == Status::good);
  // After the last session is gone, the nexus starts over.
  h.target().nexus_lost(kNexusC);
  h.target().nexus_lost(kNexusC);
  h.target().nexus_established(kNexusC);
  CHECK(h.run(kNexusC, cdb::test_unit_ready().view()).status() == Status::check_condition);
}

TEST_CASE("an unsupported opcode still reports the unit attention first", "[scsi][ua]") {
  Harness h;
  h.target().nexus_established(kNexusC);
  CHECK(h.run(kNexusC, bytes({0xc0, 0, 0, 0, 0, 0})).has_sense(SenseKey::unit_attention,
                                                                 asc::power_on_reset_or_bus_device_reset));
  const Result r = h.run(kNexusC, bytes({0xc0, 0, 0, 0, 0, 0}));
  CHECK(r.has_sense(SenseKey::illegal_request, asc::invalid_command_operation_code));
}

TEST_CASE("REQUEST SENSE returns and clears the unit attention", "[scsi][ua]") {
  Harness h;
  h.target().nexus_established(kNexusC);
  const auto s = request_sense(h, kNexusC);
  CHECK(s.code.key == SenseKey::unit_attention);
  CHECK(s.code.additional == asc::power_on_reset_or_bus_device_reset);
  CHECK(request_sense(h, kNexusC).code.key == SenseKey::no_sense);
  // DESC = 1 asks for descriptor format.
  const Result d = h.run(kNexusC, cdb::request_sense(252, true).view(), {}, 252);
  CHECK(std::to_integer<int>(d.data.at(0)) == 0x72);
}

TEST_CASE("LUN and target resets leave unit attentions for every nexus", "[scsi][ua]") {
  Harness h;
  SECTION("LOGICAL UNIT RESET") {
    CHECK(h.target().lun_reset(0) == iscsi::TmfResponse::function_complete);
    for (const Nexus* n : {&kNexusA, &kNexusB}) {
      CHECK(h.run(*n, cdb::test_unit_ready().view()).has_sense(SenseKey::unit_attention, {0x29, 0x03}));
      CHECK(h.run(*n, cdb::test_unit_ready().view()).status() == Status::good);
    }
    CHECK(h.target().lun_reset(*iscsi::scsi::encode_lun(9)) == iscsi::TmfResponse::lun_does_not_exist);
  }
  SECTION("target reset") {
    CHECK(h.target().target_reset() == iscsi::TmfResponse::function_complete);
    CHECK(h.run(kNexusB, cdb::test_unit_ready().view())
              .has_sense(SenseKey::unit_attention, asc::power_on_reset_or_bus_device_reset));
  }
}

TEST_CASE("capacity and LUN inventory changes are announced", "[scsi][ua]") {
  // A RAM backend whose reported size the test can change.
  class GrowingBackend final : public Backend {
   public:
    GrowingBackend() {
      std::error_code ec;
      ram_ = RamBackend::create({512, 128}, ec);
    }
    Geometry geometry() const noexcept override { return {512, blocks}; }
    Features features() const noexcept override { return ram_->features(); }
    std::error_code read(std::uint64_t l, std::span<std::byte> o) override { return ram_->read(l, o); }
    std::error_code write(std::uint64_t l, std::span<const std::byte> i, bool f) override { return ram_->write(l, i, f); }
    std::error_code flush() override { return {}; }
    std::error_code unmap(std::uint64_t l, std::uint64_t b) override { return ram_->unmap(l, b); }
    std::error_code write_zeroes(std::uint64_t l, std::uint64_t b, bool f) override { return ram_->write_zeroes(l, b, f); }
    std::error_code provisioning_status(std::uint64_t l, Extent& e) override { return ram_->provisioning_status(l, e); }
    std::uint64_t blocks = 64;

   private:
    std::unique_ptr<RamBackend> ram_;
  };
  auto backend = std::make_unique<GrowingBackend>();
  GrowingBackend& grow = *backend;
  Harness h(std::move(backend));
  CHECK(h.run(cdb::read_10(64, 1).view(), {}, 512).has_sense(SenseKey::illegal_request, asc::lba_out_of_range));
  grow.blocks = 128;
  h.lu().capacity_changed();
  CHECK(h.run(cdb::read_10(64, 1).view(), {}, 512).has_sense(SenseKey::unit_attention, asc::capacity_data_has_changed));
  CHECK(h.run(cdb::read_10(64, 1).view(), {}, 512).status() == Status::good);
  CHECK(h.run(kNexusB, cdb::test_unit_ready().view())
            .has_sense(SenseKey::unit_attention, asc::capacity_data_has_changed));

  std::error_code ec;
  REQUIRE_FALSE(h.target().add_lun(1, RamBackend::create({512, 8}, ec), Harness::default_config()));
  CHECK(h.run(kNexusB, cdb::test_unit_ready().view())
            .has_sense(SenseKey::unit_attention, asc::reported_luns_data_has_changed));
  // The new logical unit greets the established nexuses with POWER ON.
  CHECK(h.run(kNexusB, cdb::test_unit_ready().view(), {}, 0, 1)
            .has_sense(SenseKey::unit_attention, asc::power_on_reset_or_bus_device_reset));
}

TEST_CASE("START STOP UNIT", "[scsi][unit_state]") {
  Harness h;
  const auto ssu = [](int byte4) { return bytes({0x1b, 0, 0, 0, byte4, 0}); };
  REQUIRE(h.run(ssu(0x00)).status() == Status::good);  // stop
  CHECK(h.run(cdb::read_10(0, 1).view(), {}, 512)
            .has_sense(SenseKey::not_ready, asc::logical_unit_not_ready_initializing_required));
  CHECK(h.run(cdb::test_unit_ready().view()).has_sense(SenseKey::not_ready,
                                                       asc::logical_unit_not_ready_initializing_required));
  CHECK(h.run(cdb::inquiry(36).view(), {}, 36).status() == Status::good);
  CHECK(request_sense(h, kNexusA).code.key == SenseKey::not_ready);
  REQUIRE(h.run(ssu(0x01)).status() == Status::good);  // start
  CHECK(h.run(cdb::test_unit_ready().view()).status() == Status::good);
  // The medium is not removable: LOEJ is refused.
  CHECK(h.run(ssu(0x02)).has_sense(SenseKey::illegal_request, asc::invalid_field_in_cdb));
  // Power conditions are accepted and do not stop the unit.
  CHECK(h.run(ssu(0x30)).status() == Status::good);
  CHECK(h.run(cdb::test_unit_ready().view()).status() == Status::good);
  CHECK(h.run(ssu(0x40)).has_sense(SenseKey::illegal_request, asc::invalid_field_in_cdb));

  // PREVENT ALLOW MEDIUM REMOVAL: PREVENT 0 and 1 only.
  CHECK(h.run(bytes({0x1e, 0, 0, 0, 1, 0})).status() == Status::good);
  CHECK(h.run(bytes({0x1e, 0, 0, 0, 0, 0})).status() == Status::good);
  CHECK(h.run(bytes({0x1e, 0, 0, 0, 2, 0})).has_sense(SenseKey::illegal_request, asc::invalid_field_in_cdb));
}

}  // namespace
}  // namespace uiscsi::target::scsi::test
