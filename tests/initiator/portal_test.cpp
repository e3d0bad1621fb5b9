// Portals and TargetAddress values (RFC 7143 13.8), ISIDs (11.12.5), the initiator's
// configuration checks and error category.
#include <catch2/catch.hpp>

#include "initiator/config.h"
#include "initiator/error.h"
#include "initiator/isid.h"
#include "initiator/portal.h"

namespace uiscsi::initiator {

TEST_CASE("portal: TargetAddress forms", "[portal]") {
  using A = TargetAddress;
  CHECK(parse_target_address("192.0.2.1") == A{{"192.0.2.1", 3260}, std::nullopt});
  CHECK(parse_target_address("192.0.2.1:3261") == A{{"192.0.2.1", 3261}, std::nullopt});
  CHECK(parse_target_address("192.0.2.1:3261,12") == A{{"192.0.2.1", 3261}, 12});
  CHECK(parse_target_address("192.0.2.1,1") == A{{"192.0.2.1", 3260}, 1});
  CHECK(parse_target_address("[2001:db8::1]:3260,2") == A{{"2001:db8::1", 3260}, 2});
  CHECK(parse_target_address("[2001:db8::1],2") == A{{"2001:db8::1", 3260}, 2});
  CHECK(parse_target_address("2001:db8::1") == A{{"2001:db8::1", 3260}, std::nullopt});
  CHECK(parse_target_address("disk.example.com:860,65535") == A{{"disk.example.com", 860}, 65535});

  for (const char* bad : {"", ":3260", "[::1", "[::1]x", "[]:3260", "host:", "host:0", "host:65536", "host:32a",
                          "host,", "host,65536", "host,-1", "host:3260,x"}) {
    INFO(bad);
    CHECK_FALSE(parse_target_address(bad));
  }
}

TEST_CASE("portal: every prefix of an address parses or fails cleanly", "[portal]") {
  const std::string full = "[2001:db8::10]:3261,2";
  for (std::size_t n = 0; n <= full.size(); ++n) {
    const auto parsed = parse_target_address(std::string_view(full).substr(0, n));
    if (parsed) CHECK_FALSE(parsed->portal.host.empty());
  }
  CHECK(parse_target_address(full));
}

TEST_CASE("portal: printing and socket addresses", "[portal]") {
  CHECK(Portal{"192.0.2.1", 3260}.to_string() == "192.0.2.1:3260");
  CHECK(Portal{"::1", 3261}.to_string() == "[::1]:3261");
  CHECK(parse_portal(Portal{"::1", 3261}.to_string()) == Portal{"::1", 3261});
  const auto a = Portal{"127.0.0.1", 3262}.socket_address();
  REQUIRE(a);
  CHECK(a->port() == 3262);
  CHECK_FALSE(Portal{"disk.example.com", 3260}.socket_address());
}

TEST_CASE("isid: random ISIDs, and the text form", "[isid]") {
  const iscsi::Isid a = make_random_isid(7);
  const iscsi::Isid b = make_random_isid(7);
  CHECK(a[0] == 0x80);  // T = 10b Random, A = 0
  CHECK(a[4] == 0);
  CHECK(a[5] == 7);  // the qualifier
  CHECK(a != b);     // 24 random bits: equal only once in 16 million
  CHECK(format_isid({0x80, 0x12, 0xab, 0xcd, 0x00, 0x01}) == "8012abcd0001");
  CHECK(parse_isid("8012ABcd0001") == iscsi::Isid{0x80, 0x12, 0xab, 0xcd, 0x00, 0x01});
  CHECK(parse_isid(format_isid(a)) == a);
  for (const char* bad : {"", "8012abcd000", "8012abcd00012", "8012abcd00g1", "+012abcd0001"}) {
    INFO(bad);
    CHECK_FALSE(parse_isid(bad));
  }
}

TEST_CASE("config: what validate() refuses", "[config]") {
  SessionConfig c;
  c.initiator_name = "iqn.2024-01.org.uiscsi:host";
  c.target_name = "iqn.2024-01.org.uiscsi:disk";
  c.portal = {"192.0.2.1", 3260};
  std::string why;
  REQUIRE_FALSE(c.validate(why));

  SECTION("no target name for a normal session") {
    c.target_name.clear();
    CHECK(c.validate(why) == errc::invalid_config);
    c.session_type = iscsi::SessionType::discovery;
    CHECK_FALSE(c.validate(why));
  }
  SECTION("CHAP without a secret, and the same secret both ways") {
    c.chap = ChapSettings{};
    c.chap->user = "u";
    CHECK(c.validate(why) == errc::invalid_config);
    c.chap->secret = "s";
    CHECK_FALSE(c.validate(why));
    c.chap->target_user = "t";
    CHECK(c.validate(why) == errc::invalid_config);  // mutual needs the target's secret
    c.chap->target_secret = "s";
    CHECK(c.validate(why) == errc::invalid_config);
    CHECK(why.find("12.1.3") != std::string::npos);
    c.chap->target_secret = "t-secret";
    CHECK_FALSE(c.validate(why));
  }
  SECTION("MaxConnections outside 1..65535 (RFC 7143 13.2)") {
    c.negotiation.max_connections = 0;
    CHECK(c.validate(why) == errc::invalid_config);
    c.negotiation.max_connections = 65536;
    CHECK(c.validate(why) == errc::invalid_config);
    c.negotiation.max_connections = 4;  // MC/S
    CHECK_FALSE(c.validate(why));
  }
  SECTION("pings without a timeout") {
    c.timeouts.nop_timeout = Milliseconds{0};
    CHECK(c.validate(why) == errc::invalid_config);
    c.timeouts.nop_interval = Milliseconds{0};
    CHECK_FALSE(c.validate(why));
  }
}

TEST_CASE("error: initiator errors map to errno conditions", "[error]") {
  CHECK(make_error_code(errc::session_failed) == std::errc::io_error);
  CHECK(make_error_code(errc::command_timeout) == std::errc::timed_out);
  CHECK(make_error_code(errc::session_closed) == std::errc::not_connected);
  CHECK(make_error_code(errc::unaligned) == std::errc::invalid_argument);
  CHECK(make_error_code(errc::not_supported) == std::errc::operation_not_supported);
  CHECK(make_error_code(errc::data_lost) == std::errc::io_error);
  for (int e = 1; e <= static_cast<int>(errc::data_lost); ++e) {
    const std::error_code ec = make_error_code(static_cast<errc>(e));
    CHECK(ec.message() != "unknown initiator error");
    CHECK(std::string(ec.category().name()) == "uiscsi.initiator");
  }
}

}  // namespace uiscsi::initiator
