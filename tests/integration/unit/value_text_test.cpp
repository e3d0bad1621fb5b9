// Sizes, portals and iSCSI names as the configuration file and the command line spell them.
#include <catch2/catch.hpp>

#include "target/config/iscsi_name.h"
#include "target/config/portal_text.h"
#include "target/config/size_text.h"

using namespace uiscsi::target::config;

TEST_CASE("parse_size reads bytes and binary units", "[config][size]") {
  std::string error;
  CHECK(parse_size("0", error) == 0u);
  CHECK(parse_size("512", error) == 512u);
  CHECK(parse_size("4K", error) == 4096u);
  CHECK(parse_size("4k", error) == 4096u);
  CHECK(parse_size("4KB", error) == 4096u);
  CHECK(parse_size("4KiB", error) == 4096u);
  CHECK(parse_size("16 MiB", error) == 16u << 20);
  CHECK(parse_size("1G", error) == 1u << 30);
  CHECK(parse_size("1GiB", error) == 1u << 30);
  CHECK(parse_size("2T", error) == std::uint64_t{2} << 40);
  CHECK(parse_size("1P", error) == std::uint64_t{1} << 50);
  CHECK(parse_size("100B", error) == 100u);
  CHECK(parse_size("15E", error) == std::nullopt);  // no exbibytes: unknown unit
  CHECK_THAT(error, Catch::Contains("unknown unit 'E'"));
}

TEST_CASE("parse_size refuses what is not a size", "[config][size]") {
  std::string error;
  for (const char* bad : {"", "G", "-1", "1.5G", "1 GB extra", "1Gx", "1GiBs", " 1G"}) {
    INFO(bad);
    error.clear();
    CHECK_FALSE(parse_size(bad, error));
    CHECK_FALSE(error.empty());
  }
  CHECK_FALSE(parse_size("18446744073709551616", error));  // 2^64
  CHECK_THAT(error, Catch::Contains("too large"));
  CHECK_FALSE(parse_size("16384P", error));                // 2^64 bytes
  CHECK_THAT(error, Catch::Contains("too large"));
  CHECK(parse_size("16383P", error) == std::uint64_t{16383} << 50);
}

TEST_CASE("format_size picks the largest exact unit", "[config][size]") {
  CHECK(format_size(0) == "0 bytes");
  CHECK(format_size(1) == "1 byte");
  CHECK(format_size(1000) == "1000 bytes");
  CHECK(format_size(1536 * 1024) == "1536 KiB");
  CHECK(format_size(std::uint64_t{1} << 30) == "1 GiB");
  CHECK(format_size(std::uint64_t{3} << 40) == "3 TiB");
  std::string error;
  for (std::uint64_t v : {std::uint64_t{512}, std::uint64_t{4096}, std::uint64_t{5} << 30}) {
    const auto text = format_size(v);
    // The printed form reads back to the same number.
    CHECK(parse_size(text.substr(0, text.find(" bytes")), error) == v);
  }
}

TEST_CASE("parse_portal reads IPv4, bracketed IPv6 and bare addresses", "[config][portal]") {
  std::string error;
  auto p = parse_portal("127.0.0.1:3261", error);
  REQUIRE(p);
  CHECK(p->address == "127.0.0.1");
  CHECK(p->port == 3261);
  CHECK(p->offload == uiscsi::offload::Policy::auto_);

  p = parse_portal("[::1]:0", error);
  REQUIRE(p);
  CHECK(p->address == "::1");
  CHECK(p->port == 0);

  p = parse_portal("10.1.2.3", error);
  REQUIRE(p);
  CHECK(p->port == kIscsiPort);

  p = parse_portal("[fe80::1]", error);
  REQUIRE(p);
  CHECK(p->address == "fe80::1");
  CHECK(p->port == kIscsiPort);

  p = parse_portal("2001:db8::7", error);  // several colons, no brackets: address only
  REQUIRE(p);
  CHECK(p->address == "2001:db8::7");
  CHECK(p->port == kIscsiPort);
}

TEST_CASE("parse_portal refuses bad portals with a reason", "[config][portal]") {
  const std::pair<const char*, const char*> cases[] = {
      {"", "no address"},
      {":3260", "no address"},
      {"127.0.0.1:", "empty port"},
      {"127.0.0.1:65536", "0 to 65535"},
      {"127.0.0.1:-1", "0 to 65535"},
      {"127.0.0.1:32x", "0 to 65535"},
      {"[::1", "without ']'"},
      {"[::1]3260", "expected ':PORT'"},
      {"[::1]:", "empty port"},
      {"localhost:3260", "not a numeric"},
      {"[127.0.0.1.5]:3260", "not a numeric"},
  };
  for (const auto& [text, reason] : cases) {
    INFO(text);
    std::string error;
    CHECK_FALSE(parse_portal(text, error));
    CHECK_THAT(error, Catch::Contains(reason));
  }
}

TEST_CASE("format_portal is what parse_portal reads back", "[config][portal]") {
  for (const char* text : {"127.0.0.1:3260", "[::1]:3260", "[2001:db8::1]:0", "0.0.0.0:1"}) {
    std::string error;
    const auto portal = parse_portal(text, error);
    REQUIRE(portal);
    CHECK(format_portal(*portal) == text);
  }
}

TEST_CASE("iSCSI names: the three types and their rules", "[config][name]") {
  for (const char* good : {"iqn.2026-11.org.uiscsi:default", "iqn.1993-08.org.debian:01:abc",
                           "iqn.2001-04.com.example", "eui.02004567a425678d",
                           "naa.52004567ba64678d", "naa.62004567ba64678d0123456789abcdef"}) {
    INFO(good);
    CHECK_FALSE(iscsi_name_problem(good));
  }
  const std::pair<std::string, const char*> bad[] = {
      {"", "empty"},
      {"iqn.2026-13.org.example", "date"},
      {"iqn.2026-00.org.example", "date"},
      {"iqn.26-11.org.example", "date"},
      {"iqn.2026-11", "date"},
      {"iqn.2026-11.", "reversed domain"},
      {"iqn.2026-11.:x", "reversed domain"},
      {"iqn.2026-11.org example", "space"},
      {"iqn.2026-11.org_example", "'_'"},
      {"iqn.2026-11.org\x01x", "control character"},
      {"eui.02004567A425678D", "'A'"},  // not normalized
      {"eui.0200", "16 hex digits"},
      {"eui.02004567a425678g", "16 hex digits"},
      {"naa.5200", "16 or 32 hex digits"},
      {"iscsi.example", "neither"},
      {"iqn.2026-11.org.example:" + std::string(200, 'x'), "at most 223"},
  };
  for (const auto& [name, reason] : bad) {
    INFO(name);
    const auto problem = iscsi_name_problem(name);
    REQUIRE(problem);
    CHECK_THAT(*problem, Catch::Contains(reason));
  }
}

TEST_CASE("normalize_iscsi_name folds ASCII case only", "[config][name]") {
  CHECK(normalize_iscsi_name("IQN.2026-11.Org.Example:Disk") == "iqn.2026-11.org.example:disk");
  CHECK(normalize_iscsi_name("EUI.02004567A425678D") == "eui.02004567a425678d");
  CHECK(normalize_iscsi_name("iqn.2026-11.org.example:\xc3\x84") == "iqn.2026-11.org.example:\xc3\x84");
  CHECK_FALSE(iscsi_name_problem(normalize_iscsi_name("EUI.02004567A425678D")));
}
