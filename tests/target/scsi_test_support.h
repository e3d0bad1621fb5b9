// A Target with one logical unit, two I_T nexuses and helpers to run CDBs through
// Target::execute, for the SCSI emulation tests.
#pragma once

#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "iscsi/scsi_cdb_build.h"
#include "iscsi/scsi_lun.h"
#include "backend_test_support.h"
#include "iscsi/sense.h"
#include "target/backend/file_backend.h"
#include "target/backend/ram_backend.h"
#include "target/scsi/target.h"

namespace uiscsi::target::scsi::test {

inline std::vector<std::byte> bytes(std::initializer_list<int> values) {
  std::vector<std::byte> out;
  for (int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

inline std::vector<std::byte> pattern(std::size_t n, std::uint8_t seed) {
  std::vector<std::byte> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::byte>(seed + i * 7);
  return out;
}

struct Result {
  Response response;
  std::vector<std::byte> data;  // the Data-In actually returned

  Status status() const { return response.status; }
  iscsi::scsi::SenseData sense() const {
    iscsi::scsi::SenseData s;
    REQUIRE_FALSE(iscsi::scsi::parse_sense(response.sense, s));
    return s;
  }
  bool has_sense(iscsi::scsi::SenseKey key, iscsi::scsi::AdditionalSense asc) const {
    if (response.status != Status::check_condition) return false;
    const auto s = sense();
    return s.code.key == key && s.code.additional == asc;
  }
  std::uint8_t u8(std::size_t i) const { return std::to_integer<std::uint8_t>(data.at(i)); }
  std::uint32_t be16(std::size_t i) const { return (std::uint32_t{u8(i)} << 8) | u8(i + 1); }
  std::uint32_t be32(std::size_t i) const { return (be16(i) << 16) | be16(i + 2); }
  std::uint64_t be64(std::size_t i) const { return (std::uint64_t{be32(i)} << 32) | be32(i + 4); }
};

inline const Nexus kNexusA{"iqn.1993-08.org.debian:01:alpha,i,0x23d000000001",
                           "iqn.2024-01.org.uiscsi:disk,t,0x0001", 1};
inline const Nexus kNexusB{"iqn.1993-08.org.debian:01:beta,i,0x23d000000002",
                           "iqn.2024-01.org.uiscsi:disk,t,0x0001", 1};

class Harness {
 public:
  static constexpr std::uint32_t kBlockSize = 512;
  static constexpr std::uint64_t kBlocks = 2048;

  // A target with a RAM disk (or `backend`) at LUN 0; nexus A and B established and their
  // power-on unit attentions consumed.
  explicit Harness(std::unique_ptr<Backend> backend = nullptr, LuConfig config = default_config(),
                   TargetConfig target_config = default_target())
      : target_(std::move(target_config)) {
    if (!backend) {
      std::error_code ec;
      backend = RamBackend::create({kBlockSize, kBlocks}, ec);
      REQUIRE_FALSE(ec);
    }
    REQUIRE_FALSE(target_.add_lun(0, std::move(backend), std::move(config)));
    connect(kNexusA);
    connect(kNexusB);
  }

  static LuConfig default_config() {
    LuConfig c;
    c.serial = "UISCSI-TEST-0001";
    c.ieee_company_id = 0x001122;
    return c;
  }
  static TargetConfig default_target() {
    TargetConfig c;
    c.name = "iqn.2024-01.org.uiscsi:disk";
    c.relative_target_ports = {1, 2};
    c.target_port_group = 7;
    return c;
  }

  // Establishes the nexus and clears its POWER ON unit attention with TEST UNIT READY.
  void connect(const Nexus& n) {
    target_.nexus_established(n);
    const Result r = run(n, iscsi::scsi::cdb::test_unit_ready().view());
    REQUIRE(r.has_sense(iscsi::scsi::SenseKey::unit_attention, iscsi::scsi::asc::power_on_reset_or_bus_device_reset));
  }

  Result run(const Nexus& n, std::span<const std::byte> cdb, std::span<const std::byte> data_out = {},
             std::size_t data_in_size = 0, std::uint16_t lun = 0) {
    return run_lun(*iscsi::scsi::encode_lun(lun), n, cdb, data_out, data_in_size);
  }
  Result run(std::span<const std::byte> cdb, std::span<const std::byte> data_out = {}, std::size_t data_in_size = 0) {
    return run(kNexusA, cdb, data_out, data_in_size);
  }
  Result run_lun(std::uint64_t lun_field, const Nexus& n, std::span<const std::byte> cdb,
                 std::span<const std::byte> data_out, std::size_t data_in_size) {
    std::vector<std::byte> in(data_in_size, std::byte{0xee});
    const Command command{n, cdb, data_out, in};
    Result r{target_.execute(lun_field, command), {}};
    REQUIRE(r.response.data_in_length <= in.size());
    in.resize(r.response.data_in_length);
    r.data = std::move(in);
    if (r.response.status == Status::check_condition) {
      REQUIRE_FALSE(r.response.sense.empty());
    } else {
      REQUIRE(r.response.sense.empty());
    }
    return r;
  }

  // WRITE (16) / READ (16) of whole blocks through nexus A, expecting GOOD.
  void write(std::uint64_t lba, std::span<const std::byte> data) {
    const auto blocks = static_cast<std::uint32_t>(data.size() / kBlockSize);
    REQUIRE(run(iscsi::scsi::cdb::write_16(lba, blocks).view(), data).status() == Status::good);
  }
  std::vector<std::byte> read(std::uint64_t lba, std::uint32_t blocks) {
    Result r = run(iscsi::scsi::cdb::read_16(lba, blocks).view(), {}, blocks * std::size_t{kBlockSize});
    REQUIRE(r.status() == Status::good);
    return r.data;
  }

  Target& target() { return target_; }
  LogicalUnit& lu() { return *target_.find(0); }

 private:
  Target target_;
};

// A sparse file in `dir` of the Harness's geometry, for a Harness on a file backend.
inline std::unique_ptr<Backend> sparse_file(const target::test::TempDir& dir) {
  FileBackendOptions o;
  o.path = dir / "thin.img";
  o.create_size_bytes = Harness::kBlocks * Harness::kBlockSize;
  std::error_code ec;
  auto f = FileBackend::open(o, ec);
  REQUIRE_FALSE(ec);
  return f;
}

}  // namespace uiscsi::target::scsi::test
