// The PR pieces that parse outside input: the APTPL state file and TransportIDs, cut at
// every byte boundary, plus the pure PERSISTENT RESERVE OUT rules.
#include <catch2/catch.hpp>

#include <fstream>

#include "backend_test_support.h"
#include "target/scsi/detail/pr_state.h"
#include "target/scsi/detail/transport_id.h"
#include "target/scsi/error.h"

namespace uiscsi::target::scsi::detail {
namespace {

const Nexus kA{"iqn.2000-01.com.example:a,i,0x000000000001", "iqn.t,t,0x0001", 1};
const Nexus kB{"iqn.2000-01.com.example:b,i,0x000000000002", "iqn.t,t,0x0001", 1};

PrState sample_state() {
  PrState s;
  ProutRequest reg;
  reg.action = ProutAction::register_key;
  reg.service_action_key = 0x1122334455667788ull;
  reg.aptpl = true;
  REQUIRE(apply_prout(s, kA, reg).kind == ProutOutcome::Kind::good);
  reg.service_action_key = 0xb;
  reg.all_tg_pt = true;
  REQUIRE(apply_prout(s, kB, reg).kind == ProutOutcome::Kind::good);
  ProutRequest res;
  res.action = ProutAction::reserve;
  res.type = static_cast<std::uint8_t>(PrType::exclusive_access_registrants_only);
  res.key = 0x1122334455667788ull;
  REQUIRE(apply_prout(s, kA, res).kind == ProutOutcome::Kind::good);
  return s;
}

TEST_CASE("the APTPL state file round-trips", "[scsi][pr_state]") {
  target::test::TempDir dir;
  const auto path = dir / "state.pr";
  const PrState s = sample_state();
  REQUIRE_FALSE(save_pr_state(path, s));
  CHECK_FALSE(std::filesystem::exists(dir / "state.pr.tmp"));
  PrState loaded;
  REQUIRE_FALSE(load_pr_state(path, loaded));
  CHECK(loaded == s);
  CHECK(load_pr_state(dir / "none.pr", loaded) == std::errc::no_such_file_or_directory);
}

TEST_CASE("a truncated APTPL state file never loads", "[scsi][pr_state]") {
  target::test::TempDir dir;
  const auto path = dir / "state.pr";
  REQUIRE_FALSE(save_pr_state(path, sample_state()));
  std::string text;
  {
    std::ifstream in(path);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  // Every prefix but the whole file (and the whole file without its final newline) is
  // refused: the "end" record is what makes a file complete.
  for (std::size_t n = 0; n + 1 < text.size(); ++n) {
    std::ofstream(path, std::ios::trunc) << text.substr(0, n);
    PrState loaded;
    INFO("prefix " << n);
    CHECK(load_pr_state(path, loaded) == target_errc::corrupt_pr_state);
  }
}

TEST_CASE("corrupt APTPL state files are reported", "[scsi][pr_state]") {
  target::test::TempDir dir;
  const auto path = dir / "state.pr";
  const char* bad[] = {
      "uiscsi-pr-state 2\nend\n",
      "something else\nend\n",
      "uiscsi-pr-state 1\nregistrant 1 zz 1 0 - iqn.x\nend\n",
      "uiscsi-pr-state 1\nregistrant 1 a 1 2 - iqn.x\nend\n",
      "uiscsi-pr-state 1\nregistrant 0 a 1 0 - iqn.x\nend\n",
      "uiscsi-pr-state 1\nreservation 2 1\nend\n",
      "uiscsi-pr-state 1\nreservation 1 9\nend\n",  // holder that does not exist
      "uiscsi-pr-state 1\nend\nregistrant 1 a 1 0 - iqn.x\n",
      "uiscsi-pr-state 1\nbogus\nend\n",
  };
  for (const char* text : bad) {
    std::ofstream(path, std::ios::trunc) << text;
    PrState loaded;
    INFO(text);
    CHECK(load_pr_state(path, loaded) == target_errc::corrupt_pr_state);
  }
}

TEST_CASE("TransportIDs round-trip and truncations are refused", "[scsi][pr_state]") {
  for (const InitiatorPort& port : {InitiatorPort{"iqn.1993-08.org.debian:01:abcdef", "23d000000001"},
                                    InitiatorPort{"iqn.x", ""}}) {
    const auto tid = encode_transport_id(port);
    CHECK(tid.size() % 4 == 0);
    CHECK(tid.size() >= 24);
    InitiatorPort back;
    REQUIRE(decode_transport_id(tid, back) == tid.size());
    CHECK(back == port);
    for (std::size_t n = 0; n < tid.size(); ++n) {
      InitiatorPort cut;
      INFO("length " << n);
      CHECK(decode_transport_id(std::span(tid).first(n), cut) == 0);
    }
  }
  SECTION("malformed ones") {
    auto tid = encode_transport_id({"iqn.x", "00000000000a"});
    auto no_nul = tid;
    for (std::size_t i = 4; i < no_nul.size(); ++i) no_nul[i] = std::byte{'a'};
    InitiatorPort out;
    CHECK(decode_transport_id(no_nul, out) == 0);
    auto bad_isid = tid;
    bad_isid[4 + 5 + 5] = std::byte{'g'};  // "iqn.x,i,0x" + 'g' in the ISID
    CHECK(decode_transport_id(bad_isid, out) == 0);
    auto bad_format = tid;
    bad_format[0] = std::byte{0x85};  // format 10b
    CHECK(decode_transport_id(bad_format, out) == 0);
  }
  SECTION("initiator port names") {
    CHECK(parse_initiator_port("iqn.a,i,0x23D000000001") == InitiatorPort{"iqn.a", "23d000000001"});
    CHECK(parse_initiator_port("iqn.a") == InitiatorPort{"iqn.a", ""});
    CHECK(InitiatorPort{"iqn.a", ""}.covers({"iqn.a", "23d000000001"}));
    CHECK_FALSE(InitiatorPort{"iqn.a", "23d000000002"}.covers({"iqn.a", "23d000000001"}));
  }
}

TEST_CASE("PERSISTENT RESERVE OUT rules as pure state changes", "[scsi][pr_state]") {
  PrState s = sample_state();
  CHECK(s.generation == 2);
  CHECK(s.is_holder(kA));
  CHECK_FALSE(s.is_holder(kB));
  CHECK(s.reservation_key() == 0x1122334455667788ull);
  CHECK_FALSE(pr_conflict(s, kB, PrAccess::write));
  const Nexus stranger{"iqn.2000-01.com.example:c,i,0x000000000003", "iqn.t,t,0x0001", 1};
  CHECK(pr_conflict(s, stranger, PrAccess::read));
  CHECK_FALSE(pr_conflict(s, stranger, PrAccess::allowed));
  // B registered through all target ports: it is found through port 2 as well.
  const Nexus b_port2{kB.initiator_port, "iqn.t,t,0x0002", 2};
  CHECK(s.find(b_port2) != nullptr);
  CHECK(s.find(Nexus{kA.initiator_port, "iqn.t,t,0x0002", 2}) == nullptr);

  SECTION("REGISTER AND IGNORE with SPEC_I_PT is refused") {
    ProutRequest r;
    r.action = ProutAction::register_and_ignore_existing_key;
    r.spec_i_pt = true;
    r.service_action_key = 1;
    CHECK(apply_prout(s, kB, r).kind == ProutOutcome::Kind::invalid_field_in_parameter_list);
  }
  SECTION("RESERVE with a bad type or scope") {
    ProutRequest r;
    r.action = ProutAction::reserve;
    r.key = 0xb;
    r.type = 2;
    CHECK(apply_prout(s, kB, r).kind == ProutOutcome::Kind::invalid_field_in_cdb);
    r.type = 1;
    r.scope = 1;
    CHECK(apply_prout(s, kB, r).kind == ProutOutcome::Kind::invalid_field_in_cdb);
  }
  SECTION("REGISTER AND MOVE to oneself is refused") {
    ProutRequest r;
    r.action = ProutAction::register_and_move;
    r.key = 0x1122334455667788ull;
    r.service_action_key = 5;
    r.move_to = parse_initiator_port(kA.initiator_port);
    r.move_relative_target_port_id = 1;
    CHECK(apply_prout(s, kA, r).kind == ProutOutcome::Kind::invalid_field_in_parameter_list);
  }
}

}  // namespace
}  // namespace uiscsi::target::scsi::detail
