// Persistent reservations (PERSISTENT RESERVE IN/OUT) and RESERVE/RELEASE (6), with two
// and three I_T nexuses.
#include <filesystem>
#include <fstream>
#include <map>

#include "backend_test_support.h"
#include "scsi_test_support.h"
#include "target/scsi/detail/transport_id.h"

namespace uiscsi::target::scsi::test {
namespace {

namespace cdb = iscsi::scsi::cdb;
using iscsi::scsi::SenseKey;
namespace asc = iscsi::scsi::asc;

const Nexus kNexusC{"iqn.1993-08.org.debian:01:gamma,i,0x23d000000003", "iqn.2024-01.org.uiscsi:disk,t,0x0001", 1};

enum Sa : int { kRegister = 0, kReserve = 1, kRelease = 2, kClear = 3, kPreempt = 4, kPreemptAbort = 5,
                kRegisterIgnore = 6, kRegisterMove = 7 };
enum Type : int { kWE = 1, kEA = 3, kWERO = 5, kEARO = 6, kWEAR = 7, kEAAR = 8 };

struct Flags {
  bool spec_i_pt = false;
  bool all_tg_pt = false;
  bool aptpl = false;
};

std::vector<std::byte> basic_list(std::uint64_t key, std::uint64_t sark, Flags f = {}) {
  std::vector<std::byte> list(24);
  for (int i = 0; i < 8; ++i) {
    list[i] = static_cast<std::byte>(key >> (56 - 8 * i));
    list[8 + i] = static_cast<std::byte>(sark >> (56 - 8 * i));
  }
  list[20] = static_cast<std::byte>((f.spec_i_pt ? 0x08 : 0) | (f.all_tg_pt ? 0x04 : 0) | (f.aptpl ? 0x01 : 0));
  return list;
}

Result prout_list(Harness& h, const Nexus& n, int sa, int type, const std::vector<std::byte>& list) {
  const auto len = static_cast<int>(list.size());
  return h.run(n, bytes({0x5f, sa, type, 0, 0, len >> 24, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff, 0}), list);
}

Result prout(Harness& h, const Nexus& n, int sa, int type, std::uint64_t key, std::uint64_t sark, Flags f = {}) {
  Result r = prout_list(h, n, sa, type, basic_list(key, sark, f));
  if (r.status() == Status::check_condition) {
    UNSCOPED_INFO("sense " << int(r.sense().code.key) << "/" << int(r.sense().code.additional.asc) << "/"
                           << int(r.sense().code.additional.ascq));
  }
  return r;
}

Result prin(Harness& h, const Nexus& n, int sa, int alloc = 4096) {
  return h.run(n, bytes({0x5e, sa, 0, 0, 0, 0, 0, alloc >> 8, alloc & 0xff, 0}), {}, static_cast<std::size_t>(alloc));
}

// PERSISTENT RESERVE IN through an I_T nexus of its own, so reading the state does not
// consume the unit attentions the tests look for on A, B and C.
const Nexus kObserver{"iqn.1993-08.org.debian:01:observer,i,0x23d000000009", "iqn.2024-01.org.uiscsi:disk,t,0x0001",
                      1};
Result observe(Harness& h, int sa) {
  for (;;) {
    Result r = prin(h, kObserver, sa);
    if (r.status() != Status::check_condition || r.sense().code.key != SenseKey::unit_attention) return r;
  }
}

std::vector<std::uint64_t> read_keys(Harness& h) {
  const Result r = observe(h, 0);
  REQUIRE(r.status() == Status::good);
  std::vector<std::uint64_t> keys;
  for (std::size_t i = 0; i < r.be32(4) / 8; ++i) keys.push_back(r.be64(8 + 8 * i));
  return keys;
}

struct Reservation {
  bool present = false;
  std::uint64_t key = 0;
  int type = 0;
};
Reservation read_reservation(Harness& h) {
  const Result r = observe(h, 1);
  REQUIRE(r.status() == Status::good);
  if (r.be32(4) == 0) return {};
  return {true, r.be64(8), r.u8(21) & 0x0f};
}

bool can_read(Harness& h, const Nexus& n) {
  const Result r = h.run(n, cdb::read_10(1, 1).view(), {}, 512);
  REQUIRE((r.status() == Status::good || r.status() == Status::reservation_conflict));
  return r.status() == Status::good;
}
bool can_write(Harness& h, const Nexus& n) {
  const Result r = h.run(n, cdb::write_10(1, 1).view(), pattern(512, 3));
  REQUIRE((r.status() == Status::good || r.status() == Status::reservation_conflict));
  return r.status() == Status::good;
}

TEST_CASE("REGISTER, READ KEYS and the generation", "[scsi][pr]") {
  Harness h;
  CHECK(read_keys(h).empty());
  REQUIRE(prout(h, kNexusA, kRegister, 0, 0, 0xaaaa).status() == Status::good);
  REQUIRE(prout(h, kNexusB, kRegister, 0, 0, 0xbbbb).status() == Status::good);
  CHECK(read_keys(h) == std::vector<std::uint64_t>{0xaaaa, 0xbbbb});
  CHECK(prin(h, kNexusA, 0).be32(0) == 2);  // PRGENERATION

  // Wrong current key: conflict. Unregistered with a non-zero key: conflict.
  CHECK(prout(h, kNexusA, kRegister, 0, 0x1234, 0xcccc).status() == Status::reservation_conflict);
  CHECK(prout(h, kNexusC, kRegister, 0, 0x1234, 0xcccc).status() == Status::reservation_conflict);
  // Change the key, then REGISTER AND IGNORE EXISTING KEY.
  REQUIRE(prout(h, kNexusA, kRegister, 0, 0xaaaa, 0xa2).status() == Status::good);
  REQUIRE(prout(h, kNexusB, kRegisterIgnore, 0, 0x9999, 0xb2).status() == Status::good);
  CHECK(read_keys(h) == std::vector<std::uint64_t>{0xa2, 0xb2});
  // SARK 0 unregisters; an unregistered nexus with SARK 0 does nothing.
  REQUIRE(prout(h, kNexusB, kRegister, 0, 0xb2, 0).status() == Status::good);
  REQUIRE(prout(h, kNexusC, kRegister, 0, 0, 0).status() == Status::good);
  CHECK(read_keys(h) == std::vector<std::uint64_t>{0xa2});
  CHECK(prin(h, kNexusA, 0).be32(0) == 5);

  SECTION("READ KEYS truncated by the allocation length") {
    const Result r = prin(h, kNexusA, 0, 12);
    CHECK(r.data.size() == 12);
    CHECK(r.be32(4) == 8);
  }
  SECTION("parameter list problems") {
    CHECK(prout_list(h, kNexusB, kRegister, 0, std::vector<std::byte>(20))
              .has_sense(SenseKey::illegal_request, asc::parameter_list_length_error));
    CHECK(prout_list(h, kNexusB, kRegister, 0, std::vector<std::byte>(28))
              .has_sense(SenseKey::illegal_request, asc::parameter_list_length_error));
    CHECK(prout(h, kNexusA, kReserve, 0, 0xa2, 0, Flags{true, false, false})
              .has_sense(SenseKey::illegal_request, asc::invalid_field_in_parameter_list));
    // APTPL without a state file to keep it in.
    CHECK(prout(h, kNexusB, kRegister, 0, 0, 0xbb, Flags{false, false, true})
              .has_sense(SenseKey::illegal_request, asc::invalid_field_in_parameter_list));
    // Reserved service action and PR IN service action.
    CHECK(prout(h, kNexusA, 0x08, 0, 0xa2, 0).has_sense(SenseKey::illegal_request, asc::invalid_field_in_cdb));
    CHECK(prin(h, kNexusA, 4).has_sense(SenseKey::illegal_request, asc::invalid_field_in_cdb));
  }
}

TEST_CASE("reservation types and who may read and write", "[scsi][pr]") {
  // Holder A, registered B, unregistered C (SPC-4 5.12.1 table 46).
  struct Expect {
    int type;
    bool reg_read, reg_write, unreg_read, unreg_write;
  };
  const Expect e = GENERATE(Expect{kWE, true, false, true, false}, Expect{kEA, false, false, false, false},
                            Expect{kWERO, true, true, true, false}, Expect{kEARO, true, true, false, false},
                            Expect{kWEAR, true, true, true, false}, Expect{kEAAR, true, true, false, false});
  INFO("type " << e.type);
  Harness h;
  h.connect(kNexusC);
  REQUIRE(prout(h, kNexusA, kRegister, 0, 0, 0xa).status() == Status::good);
  REQUIRE(prout(h, kNexusB, kRegister, 0, 0, 0xb).status() == Status::good);
  REQUIRE(prout(h, kNexusA, kReserve, e.type, 0xa, 0).status() == Status::good);
  const Reservation res = read_reservation(h);
  CHECK(res.present);
  CHECK(res.type == e.type);
  CHECK(res.key == ((e.type == kWEAR || e.type == kEAAR) ? 0 : 0xa));

  CHECK(can_read(h, kNexusA));
  CHECK(can_write(h, kNexusA));
  CHECK(can_read(h, kNexusB) == e.reg_read);
  CHECK(can_write(h, kNexusB) == e.reg_write);
  CHECK(can_read(h, kNexusC) == e.unreg_read);
  CHECK(can_write(h, kNexusC) == e.unreg_write);
  // Commands that never conflict.
  CHECK(h.run(kNexusC, cdb::inquiry(36).view(), {}, 36).status() == Status::good);
  CHECK(h.run(kNexusC, cdb::test_unit_ready().view()).status() == Status::good);
  CHECK(h.run(kNexusC, cdb::read_capacity_10().view(), {}, 8).status() == Status::good);
  CHECK(prin(h, kNexusC, 0).status() == Status::good);

  // Reserving again: same type by the holder is fine, anything else conflicts.
  CHECK(prout(h, kNexusA, kReserve, e.type, 0xa, 0).status() == Status::good);
  CHECK(prout(h, kNexusA, kReserve, e.type == kWE ? kEA : kWE, 0xa, 0).status() == Status::reservation_conflict);
  CHECK(prout(h, kNexusC, kReserve, e.type, 0, 0).status() == Status::reservation_conflict);

  // Releasing with the wrong type is an error; then release properly.
  const int wrong = e.type == kWE ? kEA : kWE;
  CHECK(prout(h, kNexusA, kRelease, wrong, 0xa, 0)
            .has_sense(SenseKey::illegal_request, asc::invalid_release_of_persistent_reservation));
  REQUIRE(prout(h, kNexusA, kRelease, e.type, 0xa, 0).status() == Status::good);
  CHECK_FALSE(read_reservation(h).present);
  CHECK(can_write(h, kNexusC));
  // Registrants-only and all-registrants reservations tell B it was released.
  const bool notified = e.type != kWE && e.type != kEA;
  const Result tur = h.run(kNexusB, cdb::test_unit_ready().view());
  CHECK(tur.has_sense(SenseKey::unit_attention, asc::reservations_released) == notified);
}

TEST_CASE("release by a non-holder does nothing; unregistering the holder releases", "[scsi][pr]") {
  Harness h;
  REQUIRE(prout(h, kNexusA, kRegister, 0, 0, 0xa).status() == Status::good);
  REQUIRE(prout(h, kNexusB, kRegister, 0, 0, 0xb).status() == Status::good);
  REQUIRE(prout(h, kNexusA, kReserve, kWERO, 0xa, 0).status() == Status::good);
  CHECK(prout(h, kNexusB, kRelease, kWERO, 0xb, 0).status() == Status::good);
  CHECK(read_reservation(h).present);
  REQUIRE(prout(h, kNexusA, kRegister, 0, 0xa, 0).status() == Status::good);
  CHECK_FALSE(read_reservation(h).present);
  CHECK(h.run(kNexusB, cdb::test_unit_ready().view()).has_sense(SenseKey::unit_attention, asc::reservations_released));
  SECTION("all-registrants reservations last until the last registrant leaves") {
    REQUIRE(prout(h, kNexusA, kRegister, 0, 0, 0xa).status() == Status::good);
    REQUIRE(prout(h, kNexusB, kReserve, kEAAR, 0xb, 0).status() == Status::good);
    REQUIRE(prout(h, kNexusB, kRegister, 0, 0xb, 0).status() == Status::good);
    CHECK(read_reservation(h).present);
    REQUIRE(prout(h, kNexusA, kRegister, 0, 0xa, 0).status() == Status::good);
    CHECK_FALSE(read_reservation(h).present);
  }
}

TEST_CASE("CLEAR removes everything and tells the others", "[scsi][pr]") {
  Harness h;
  REQUIRE(prout(h, kNexusA, kRegister, 0, 0, 0xa).status() == Status::good);
  REQUIRE(prout(h, kNexusB, kRegister, 0, 0, 0xb).status() == Status::good);
  REQUIRE(prout(h, kNexusA, kReserve, kEA, 0xa, 0).status() == Status::good);
  CHECK(prout(h, kNexusB, kClear, 0, 0xbad, 0).status() == Status::reservation_conflict);
  REQUIRE(prout(h, kNexusB, kClear, 0, 0xb, 0).status() == Status::good);
  CHECK(read_keys(h).empty());
  CHECK_FALSE(read_reservation(h).present);
  CHECK(h.run(kNexusA, cdb::test_unit_ready().view()).has_sense(SenseKey::unit_attention, asc::reservations_preempted));
  CHECK(h.run(kNexusB, cdb::test_unit_ready().view()).status() == Status::good);
}

TEST_CASE("PREEMPT and PREEMPT AND ABORT", "[scsi][pr]") {
  std::vector<std::pair<std::string, std::uint16_t>> aborted;
  TargetConfig config = Harness::default_target();
  config.abort_tasks = [&](std::string_view port, std::uint16_t rtpi, std::uint16_t lun) {
    CHECK(lun == 0);
    aborted.emplace_back(std::string(port), rtpi);
  };
  Harness h(nullptr, Harness::default_config(), config);
  h.connect(kNexusC);
  REQUIRE(prout(h, kNexusA, kRegister, 0, 0, 0xa).status() == Status::good);
  REQUIRE(prout(h, kNexusB, kRegister, 0, 0, 0xb).status() == Status::good);
  REQUIRE(prout(h, kNexusC, kRegister, 0, 0, 0xc).status() == Status::good);
  REQUIRE(prout(h, kNexusA, kReserve, kWE, 0xa, 0).status() == Status::good);

  SECTION("taking over the reservation") {
    REQUIRE(prout(h, kNexusB, kPreemptAbort, kEA, 0xb, 0xa).status() == Status::good);
    const Reservation res = read_reservation(h);
    CHECK(res.key == 0xb);
    CHECK(res.type == kEA);
    CHECK(read_keys(h) == std::vector<std::uint64_t>{0xb, 0xc});
    CHECK(h.run(kNexusA, cdb::test_unit_ready().view()).has_sense(SenseKey::unit_attention, asc::registrations_preempted));
    // The type changed, so C (still registered) learns the old reservation is gone.
    CHECK(h.run(kNexusC, cdb::test_unit_ready().view()).has_sense(SenseKey::unit_attention, asc::reservations_released));
    REQUIRE(aborted.size() == 1);
    CHECK(aborted[0].first == kNexusA.initiator_port);
    CHECK(aborted[0].second == 1);
  }
  SECTION("preempting registrations only") {
    REQUIRE(prout(h, kNexusB, kPreempt, kWE, 0xb, 0xc).status() == Status::good);
    CHECK(read_keys(h) == std::vector<std::uint64_t>{0xa, 0xb});
    CHECK(read_reservation(h).key == 0xa);
    CHECK(aborted.empty());
    CHECK(h.run(kNexusC, cdb::test_unit_ready().view()).has_sense(SenseKey::unit_attention, asc::registrations_preempted));
    // A key nobody has is a conflict; a zero key names nobody.
    CHECK(prout(h, kNexusB, kPreempt, kWE, 0xb, 0x77).status() == Status::reservation_conflict);
    REQUIRE(prout(h, kNexusA, kRelease, kWE, 0xa, 0).status() == Status::good);
    CHECK(prout(h, kNexusB, kPreempt, kWE, 0xb, 0).has_sense(SenseKey::illegal_request,
                                                             asc::invalid_field_in_parameter_list));
  }
  SECTION("an unregistered nexus cannot preempt") {
    REQUIRE(prout(h, kNexusC, kRegister, 0, 0xc, 0).status() == Status::good);
    CHECK(prout(h, kNexusC, kPreempt, kWE, 0, 0xa).status() == Status::reservation_conflict);
  }
  SECTION("all-registrants: SARK 0 takes everything") {
    REQUIRE(prout(h, kNexusA, kRelease, kWE, 0xa, 0).status() == Status::good);
    REQUIRE(prout(h, kNexusA, kReserve, kWEAR, 0xa, 0).status() == Status::good);
    REQUIRE(prout(h, kNexusC, kPreempt, kWE, 0xc, 0).status() == Status::good);
    CHECK(read_keys(h) == std::vector<std::uint64_t>{0xc});
    CHECK(read_reservation(h).type == kWE);
    CHECK(read_reservation(h).key == 0xc);
  }
}

TEST_CASE("REPORT CAPABILITIES and READ FULL STATUS", "[scsi][pr]") {
  Harness h;
  const Result caps = prin(h, kNexusA, 2);
  REQUIRE(caps.status() == Status::good);
  CHECK(caps.be16(0) == 8);
  CHECK((caps.u8(2) & 0x0c) == 0x0c);  // SIP_C, ATP_C
  CHECK((caps.u8(2) & 0x01) == 0);     // no APTPL without a state file
  CHECK((caps.u8(3) & 0x80) != 0);     // TMV
  CHECK(caps.be16(4) == 0xea01);

  REQUIRE(prout(h, kNexusA, kRegister, 0, 0, 0xa).status() == Status::good);
  REQUIRE(prout(h, kNexusB, kRegister, 0, 0, 0xb, Flags{false, true, false}).status() == Status::good);
  REQUIRE(prout(h, kNexusA, kReserve, kWERO, 0xa, 0).status() == Status::good);
  const Result fs = prin(h, kNexusA, 3);
  REQUIRE(fs.status() == Status::good);
  CHECK(fs.be32(4) == fs.data.size() - 8);
  std::map<std::uint64_t, std::pair<int, std::string>> seen;  // key -> flags, transport id text
  for (std::size_t at = 8; at < fs.data.size();) {
    const std::uint64_t key = fs.be64(at);
    const int flags = fs.u8(at + 12);
    const std::size_t tid_len = fs.be32(at + 20);
    detail::InitiatorPort port;
    REQUIRE(detail::decode_transport_id(std::span(fs.data).subspan(at + 24, tid_len), port) == tid_len);
    seen[key] = {flags, port.name + "/" + port.isid};
    if (key == 0xa) {
      CHECK(fs.u8(at + 13) == kWERO);
      CHECK(fs.be16(at + 18) == 1);
    }
    at += 24 + tid_len;
  }
  CHECK(seen[0xa] == std::pair<int, std::string>{0x01, "iqn.1993-08.org.debian:01:alpha/23d000000001"});
  CHECK(seen[0xb] == std::pair<int, std::string>{0x02, "iqn.1993-08.org.debian:01:beta/23d000000002"});
}

TEST_CASE("SPEC_I_PT registers other initiators by TransportID", "[scsi][pr]") {
  Harness h;
  h.connect(kNexusC);
  auto list = basic_list(0, 0x5, Flags{true, false, false});
  const auto tid_b = detail::encode_transport_id(detail::parse_initiator_port(kNexusB.initiator_port));
  const auto tid_c = detail::encode_transport_id({"iqn.1993-08.org.debian:01:gamma", ""});  // any ISID
  const auto tids = static_cast<std::uint32_t>(tid_b.size() + tid_c.size());
  for (int i = 0; i < 4; ++i) list.push_back(static_cast<std::byte>(tids >> (24 - 8 * i)));
  list.insert(list.end(), tid_b.begin(), tid_b.end());
  list.insert(list.end(), tid_c.begin(), tid_c.end());
  REQUIRE(prout_list(h, kNexusA, kRegister, 0, list).status() == Status::good);
  CHECK(read_keys(h) == std::vector<std::uint64_t>{5, 5, 5});
  // B and C were registered by A and can use the key.
  REQUIRE(prout(h, kNexusC, kReserve, kEA, 5, 0).status() == Status::good);
  CHECK(can_write(h, kNexusC));
  CHECK_FALSE(can_read(h, kNexusB));

  SECTION("a malformed TransportID changes nothing") {
    REQUIRE(prout(h, kNexusC, kRelease, kEA, 5, 0).status() == Status::good);
    REQUIRE(prout(h, kNexusA, kClear, 0, 5, 0).status() == Status::good);
    list[24 + 4] = std::byte{0x46};  // protocol identifier 6h: not iSCSI
    CHECK(prout_list(h, kNexusA, kRegister, 0, list).has_sense(SenseKey::illegal_request,
                                                                asc::invalid_field_in_parameter_list));
    CHECK(read_keys(h).empty());
  }
}

TEST_CASE("REGISTER AND MOVE hands the reservation to another I_T nexus", "[scsi][pr]") {
  Harness h;
  REQUIRE(prout(h, kNexusA, kRegister, 0, 0, 0xa).status() == Status::good);
  REQUIRE(prout(h, kNexusA, kReserve, kEA, 0xa, 0).status() == Status::good);
  const auto tid = detail::encode_transport_id(detail::parse_initiator_port(kNexusB.initiator_port));
  std::vector<std::byte> list = basic_list(0xa, 0xb);
  list[17] = std::byte{0x02};  // UNREG
  list[19] = std::byte{0x01};  // relative target port 1
  list[23] = static_cast<std::byte>(tid.size());
  list.insert(list.end(), tid.begin(), tid.end());
  REQUIRE(prout_list(h, kNexusA, kRegisterMove, kEA, list).status() == Status::good);
  CHECK(read_keys(h) == std::vector<std::uint64_t>{0xb});
  CHECK(read_reservation(h).key == 0xb);
  CHECK(can_write(h, kNexusB));
  CHECK_FALSE(can_read(h, kNexusA));
  // Only the holder can move it.
  CHECK(prout_list(h, kNexusA, kRegisterMove, kEA, list).status() == Status::reservation_conflict);
}

TEST_CASE("APTPL keeps registrations and the reservation across a restart", "[scsi][pr]") {
  target::test::TempDir dir;
  LuConfig config = Harness::default_config();
  config.pr_state_file = dir / "lun0.pr";
  {
    Harness h(nullptr, config);
    CHECK((prin(h, kNexusA, 2).u8(2) & 0x01) == 1);  // PTPL_C
    REQUIRE(prout(h, kNexusA, kRegister, 0, 0, 0xa, Flags{false, false, true}).status() == Status::good);
    REQUIRE(prout(h, kNexusB, kRegister, 0, 0, 0xb, Flags{false, false, true}).status() == Status::good);
    REQUIRE(prout(h, kNexusA, kReserve, kWERO, 0xa, 0).status() == Status::good);
    CHECK(std::filesystem::exists(config.pr_state_file));
    CHECK((prin(h, kNexusA, 2).u8(3) & 0x01) == 1);  // PTPL_A
  }
  {
    Harness h(nullptr, config);
    CHECK(read_keys(h) == std::vector<std::uint64_t>{0xa, 0xb});
    const Reservation res = read_reservation(h);
    CHECK(res.key == 0xa);
    CHECK(res.type == kWERO);
    CHECK(can_write(h, kNexusB));
    h.connect(kNexusC);
    CHECK_FALSE(can_write(h, kNexusC));
    // APTPL = 0 in a later REGISTER stops persisting: the file goes away.
    REQUIRE(prout(h, kNexusB, kRegister, 0, 0xb, 0xb2).status() == Status::good);
    CHECK_FALSE(std::filesystem::exists(config.pr_state_file));
  }
  {
    Harness h(nullptr, config);
    CHECK(read_keys(h).empty());
  }
  SECTION("a corrupt state file keeps the logical unit from opening") {
    std::ofstream(config.pr_state_file) << "uiscsi-pr-state 1\ngeneration x\nend\n";
    Target t(Harness::default_target());
    std::error_code ec;
    CHECK(t.add_lun(0, RamBackend::create({512, 8}, ec), config) == target_errc::corrupt_pr_state);
  }
}

TEST_CASE("RESERVE (6) and RELEASE (6) across two initiators", "[scsi][reserve6]") {
  Harness h;
  const auto reserve = bytes({0x16, 0, 0, 0, 0, 0});
  const auto release = bytes({0x17, 0, 0, 0, 0, 0});
  REQUIRE(h.run(kNexusA, reserve).status() == Status::good);
  CHECK(h.run(kNexusA, reserve).status() == Status::good);
  CHECK(h.run(kNexusB, reserve).status() == Status::reservation_conflict);
  CHECK(h.run(kNexusB, release).status() == Status::good);  // a no-op
  CHECK(h.run(kNexusA, cdb::mode_sense_6(0x3f, 0, 255).view(), {}, 255).status() == Status::good);
  CHECK(h.run(kNexusB, cdb::mode_sense_6(0x3f, 0, 255).view(), {}, 255).status() == Status::reservation_conflict);
  CHECK(h.run(kNexusB, cdb::inquiry(36).view(), {}, 36).status() == Status::good);
  CHECK(h.run(kNexusB, cdb::report_luns(64).view(), {}, 64).status() == Status::good);
  CHECK(prout(h, kNexusB, kRegister, 0, 0, 0xb).status() == Status::reservation_conflict);

  SECTION("released by its holder") {
    REQUIRE(h.run(kNexusA, release).status() == Status::good);
    CHECK(h.run(kNexusB, reserve).status() == Status::good);
  }
  SECTION("released by the loss of the nexus") {
    h.target().nexus_lost(kNexusA);
    CHECK(h.run(kNexusB, reserve).status() == Status::good);
  }
  SECTION("released by a LUN reset") {
    h.target().lun_reset(0);
    REQUIRE(h.run(kNexusB, cdb::test_unit_ready().view()).status() == Status::check_condition);
    CHECK(h.run(kNexusB, reserve).status() == Status::good);
  }
  SECTION("persistent reservation registrations make RESERVE conflict") {
    REQUIRE(h.run(kNexusA, release).status() == Status::good);
    REQUIRE(prout(h, kNexusB, kRegister, 0, 0, 0xb).status() == Status::good);
    CHECK(h.run(kNexusA, reserve).status() == Status::reservation_conflict);
    CHECK(h.run(kNexusA, release).status() == Status::reservation_conflict);
  }
}

}  // namespace
}  // namespace uiscsi::target::scsi::test
