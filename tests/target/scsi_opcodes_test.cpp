// REPORT SUPPORTED OPERATION CODES against what dispatch does, and REPORT TARGET PORT
// GROUPS.
#include <set>

#include "scsi_test_support.h"

namespace uiscsi::target::scsi::test {
namespace {

namespace cdb = iscsi::scsi::cdb;
using iscsi::scsi::SenseKey;
namespace asc = iscsi::scsi::asc;

struct Reported {
  std::uint8_t opcode;
  std::uint16_t service_action;
  bool servactv;
  std::uint16_t cdb_length;
};

std::vector<Reported> report_all(Harness& h) {
  const Result r = h.run(bytes({0xa3, 0x0c, 0x00, 0, 0, 0, 0, 0, 0x10, 0, 0, 0}), {}, 4096);
  REQUIRE(r.status() == Status::good);
  REQUIRE(r.be32(0) + 4 == r.data.size());
  std::vector<Reported> out;
  for (std::size_t at = 4; at < r.data.size(); at += 8) {
    out.push_back({r.u8(at), static_cast<std::uint16_t>(r.be16(at + 2)), (r.u8(at + 5) & 1) != 0,
                   static_cast<std::uint16_t>(r.be16(at + 6))});
  }
  return out;
}

TEST_CASE("every reported command dispatches, every other opcode is refused", "[scsi][rsoc]") {
  Harness h;
  const auto reported = report_all(h);
  REQUIRE(reported.size() > 30);
  std::set<int> opcodes;
  for (const auto& c : reported) opcodes.insert(c.opcode);

  for (int op = 0; op < 256; ++op) {
    // A zeroed CDB of the opcode's length (16 bytes is enough for all of them).
    std::vector<std::byte> c(16);
    c[0] = static_cast<std::byte>(op);
    const Result r = h.run(c, std::vector<std::byte>(4096), 4096);
    const bool invalid_opcode = r.has_sense(SenseKey::illegal_request, asc::invalid_command_operation_code);
    INFO("opcode " << op);
    CHECK(invalid_opcode == (opcodes.count(op) == 0));
  }
  // Each reported service action is accepted; a neighbouring unreported one is an invalid
  // field (the SERVICE ACTION), not an invalid opcode.
  for (const auto& c : reported) {
    if (!c.servactv) continue;
    std::vector<std::byte> cdb_bytes(16);
    cdb_bytes[0] = static_cast<std::byte>(c.opcode);
    cdb_bytes[1] = static_cast<std::byte>(c.service_action);
    CHECK_FALSE(h.run(cdb_bytes, std::vector<std::byte>(4096), 4096)
                    .has_sense(SenseKey::illegal_request, asc::invalid_command_operation_code));
  }
  const Result bad_sa = h.run(bytes({0x5e, 0x1f, 0, 0, 0, 0, 0, 0, 64, 0}), {}, 64);
  REQUIRE(bad_sa.has_sense(SenseKey::illegal_request, asc::invalid_field_in_cdb));
  CHECK((*bad_sa.sense().sense_key_specific)[2] == 1);
}

TEST_CASE("one-command CDB usage data matches what the CDB checks accept", "[scsi][rsoc]") {
  Harness h;
  for (const auto& c : report_all(h)) {
    const int options = c.servactv ? 2 : 1;
    const Result r = h.run(bytes({0xa3, 0x0c, options, c.opcode, c.service_action >> 8, c.service_action & 0xff, 0, 0,
                                  1, 0, 0, 0}),
                           {}, 256);
    INFO("opcode " << int(c.opcode) << " sa " << c.service_action);
    REQUIRE(r.status() == Status::good);
    CHECK((r.u8(1) & 0x07) == 0x03);  // supported as in the standard
    REQUIRE(r.be16(2) == c.cdb_length);
    CHECK(r.u8(4) == c.opcode);
    // A bit outside the usage data of any byte but the opcode is refused with a pointer
    // to that byte.
    for (std::size_t byte = 1; byte < c.cdb_length; ++byte) {
      const std::uint8_t usage = r.u8(4 + byte);
      if (usage == 0xff) continue;
      std::vector<std::byte> probe(16);
      probe[0] = static_cast<std::byte>(c.opcode);
      if (c.servactv) probe[1] = static_cast<std::byte>(c.service_action);
      std::uint8_t stray = 0;
      for (int b = 7; b >= 0; --b) {
        if (!(usage & (1 << b))) {
          stray = static_cast<std::uint8_t>(1 << b);
          break;
        }
      }
      probe[byte] |= static_cast<std::byte>(stray);
      const Result p = h.run(probe, std::vector<std::byte>(4096), 4096);
      INFO("byte " << byte);
      REQUIRE(p.has_sense(SenseKey::illegal_request, asc::invalid_field_in_cdb));
      CHECK((*p.sense().sense_key_specific)[2] == byte);
    }
  }
  SECTION("READ (10) reports DPO and FUA") {
    const Result r = h.run(bytes({0xa3, 0x0c, 1, 0x28, 0, 0, 0, 0, 1, 0, 0, 0}), {}, 256);
    CHECK((r.u8(4 + 1) & 0x18) == 0x18);
  }
  SECTION("an unsupported command and bad reporting options") {
    const Result r = h.run(bytes({0xa3, 0x0c, 1, 0xc0, 0, 0, 0, 0, 1, 0, 0, 0}), {}, 256);
    CHECK((r.u8(1) & 0x07) == 0x01);
    CHECK(h.run(bytes({0xa3, 0x0c, 1, 0x9e, 0, 0x10, 0, 0, 1, 0, 0, 0}), {}, 256)
              .has_sense(SenseKey::illegal_request, asc::invalid_field_in_cdb));
    CHECK(h.run(bytes({0xa3, 0x0c, 2, 0x28, 0, 0, 0, 0, 1, 0, 0, 0}), {}, 256)
              .has_sense(SenseKey::illegal_request, asc::invalid_field_in_cdb));
    CHECK(h.run(bytes({0xa3, 0x0c, 5, 0x28, 0, 0, 0, 0, 1, 0, 0, 0}), {}, 256)
              .has_sense(SenseKey::illegal_request, asc::invalid_field_in_cdb));
  }
  SECTION("command timeouts descriptors with RCTD") {
    const Result all = h.run(bytes({0xa3, 0x0c, 0x80, 0, 0, 0, 0, 0, 0x10, 0, 0, 0}), {}, 4096);
    CHECK((all.data.size() - 4) % 20 == 0);
    CHECK((all.u8(4 + 5) & 0x02) != 0);  // CTDP
    const Result one = h.run(bytes({0xa3, 0x0c, 0x81, 0x28, 0, 0, 0, 0, 1, 0, 0, 0}), {}, 256);
    CHECK((one.u8(1) & 0x80) != 0);
    CHECK(one.data.size() == 4 + 10 + 12);
  }
}

TEST_CASE("REPORT TARGET PORT GROUPS", "[scsi][rtpg]") {
  Harness h;
  const Result r = h.run(bytes({0xa3, 0x0a, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0}), {}, 256);
  REQUIRE(r.status() == Status::good);
  CHECK(r.be32(0) == r.data.size() - 4);
  CHECK((r.u8(4) & 0x0f) == 0);  // active/optimized
  CHECK(r.be16(6) == 7);         // target port group
  CHECK(r.u8(11) == 2);          // two ports
  CHECK(r.be16(14) == 1);
  CHECK(r.be16(18) == 2);
  const Result ext = h.run(bytes({0xa3, 0x2a, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0}), {}, 256);
  CHECK(ext.u8(4) == 0x10);
  CHECK(ext.be16(10) == 7);
  CHECK(h.run(bytes({0xa3, 0x4a, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0}), {}, 256)
            .has_sense(SenseKey::illegal_request, asc::invalid_field_in_cdb));
}

}  // namespace
}  // namespace uiscsi::target::scsi::test
