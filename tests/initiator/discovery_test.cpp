// SendTargets discovery: the record parser, and whole discovery sessions against the fake
// target with answers cut into many Text Response PDUs (C bit).
#include <catch2/catch.hpp>

#include "fake_session.h"
#include "initiator/discovery.h"
#include "initiator/error.h"
#include "iscsi/login_status.h"

namespace uiscsi::initiator {
namespace {

using test::FakeTarget;
using test::FakeTargetConfig;
namespace asio = boost::asio;

iscsi::TextPairs answer() {
  return {{"TargetName", "iqn.2024-01.org.example:disk0"},
          {"TargetAddress", "192.0.2.10:3260,1"},
          {"TargetAddress", "[2001:db8::10]:3261,2"},
          {"TargetName", "iqn.2024-01.org.example:disk1"},
          {"TargetAlias", "second disk"},  // not part of a record: skipped
          {"TargetName", "iqn.2024-01.org.example:disk2"},
          {"TargetAddress", "storage.example,4"}};
}

std::vector<DiscoveredTarget> expected() {
  return {{"iqn.2024-01.org.example:disk0",
           {{{"192.0.2.10", 3260}, 1}, {{"2001:db8::10", 3261}, 2}}},
          {"iqn.2024-01.org.example:disk1", {}},
          {"iqn.2024-01.org.example:disk2", {{{"storage.example", 3260}, 4}}}};
}

}  // namespace

TEST_CASE("discovery: SendTargets records", "[discovery]") {
  std::vector<DiscoveredTarget> targets;
  std::string why;
  REQUIRE_FALSE(parse_send_targets(answer(), targets, why));
  CHECK(targets == expected());

  SECTION("an address before any name") {
    const iscsi::TextPairs pairs{{"TargetAddress", "192.0.2.1:3260,1"}, {"TargetName", "iqn.2024-01.x:y"}};
    CHECK(parse_send_targets(pairs, targets, why) == errc::protocol_error);
    CHECK_FALSE(why.empty());
    CHECK(targets == expected());  // left as it was
  }
  SECTION("an address that does not parse") {
    const iscsi::TextPairs pairs{{"TargetName", "iqn.2024-01.x:y"}, {"TargetAddress", "192.0.2.1:99999,1"}};
    CHECK(parse_send_targets(pairs, targets, why) == errc::bad_target_address);
    CHECK(why.find("99999") != std::string::npos);
  }
  SECTION("nothing") {
    REQUIRE_FALSE(parse_send_targets({}, targets, why));
    CHECK(targets.empty());
  }
}

TEST_CASE("discovery: a whole discovery session, the answer in many PDUs", "[discovery]") {
  const std::size_t segment = GENERATE(std::size_t{1}, std::size_t{37}, std::size_t{8192});
  INFO("text segment " << segment);
  asio::io_context io;
  FakeTargetConfig tc;
  tc.send_targets = answer();
  tc.text_segment = segment;
  FakeTarget target(io, tc);
  SessionConfig config = test::fake_config(target);
  const DiscoveryResult d = test::run(io, discover(io, config, target.connector()));
  INFO(d.error);
  REQUIRE_FALSE(d.ec);
  CHECK(d.targets == expected());
  std::vector<std::byte> wire;
  REQUIRE_FALSE(iscsi::serialize_text(answer(), wire));
  // One Text Request per PDU of the answer: the first, then one per continuation.
  CHECK(target.stats().texts == (wire.size() + segment - 1) / segment);
  CHECK(target.stats().logouts == 1);
  test::drain(io);
}

TEST_CASE("discovery: login failures are reported", "[discovery]") {
  asio::io_context io;
  FakeTargetConfig tc;
  tc.refuse_login = iscsi::LoginStatus::session_type_not_supported;
  FakeTarget target(io, tc);
  const DiscoveryResult d = test::run(io, discover(io, test::fake_config(target), target.connector()));
  CHECK(d.ec == iscsi::LoginStatus::session_type_not_supported);
  CHECK(d.error.find("discovery login") != std::string::npos);
  CHECK(d.targets.empty());
  test::drain(io);
}

}  // namespace uiscsi::initiator
