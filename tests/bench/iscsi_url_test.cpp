#include <catch2/catch.hpp>

#include "bench/iscsi_url.h"

namespace uiscsi::bench {

TEST_CASE("iscsi URL: libiscsi's forms", "[url]") {
  std::string why;
  auto u = parse_iscsi_url("iscsi://127.0.0.1/iqn.2026-11.org.uiscsi:bench/0", why);
  REQUIRE(u);
  CHECK(u->host == "127.0.0.1");
  CHECK(u->port == 3260);
  CHECK(u->target_name == "iqn.2026-11.org.uiscsi:bench");
  CHECK(u->lun == 0);
  CHECK(u->user.empty());

  u = parse_iscsi_url("iscsi://alice%s3cret-pass@10.0.0.1:3261/iqn.2001-04.com.example:t1/7", why);
  REQUIRE(u);
  CHECK(u->user == "alice");
  CHECK(u->password == "s3cret-pass");
  CHECK(u->host == "10.0.0.1");
  CHECK(u->port == 3261);
  CHECK(u->lun == 7);
  CHECK(u->to_string() == "iscsi://alice%s3cret-pass@10.0.0.1:3261/iqn.2001-04.com.example:t1/7");

  u = parse_iscsi_url("iscsi://[::1]:3262/iqn.x:y/16383", why);
  REQUIRE(u);
  CHECK(u->host == "::1");
  CHECK(u->port == 3262);
  CHECK(u->lun == 16383);
  CHECK(u->to_string() == "iscsi://[::1]:3262/iqn.x:y/16383");

  u = parse_iscsi_url("iscsi://[::1]/iqn.x:y/1", why);
  REQUIRE(u);
  CHECK(u->port == 3260);
}

TEST_CASE("iscsi URL: refusals say what is wrong", "[url]") {
  struct Case {
    const char* text;
    const char* says;
  };
  const Case cases[] = {
      {"http://127.0.0.1/iqn.x:y/0", "iscsi://"},
      {"iscsi://127.0.0.1", "TARGET-IQN"},
      {"iscsi://127.0.0.1/iqn.x:y", "/TARGET-IQN/LUN"},
      {"iscsi://127.0.0.1/iqn.x:y/", "LUN"},
      {"iscsi://127.0.0.1/iqn.x:y/16384", "LUN"},
      {"iscsi://127.0.0.1/iqn.x:y/abc", "LUN"},
      {"iscsi://127.0.0.1:0/iqn.x:y/0", "port"},
      {"iscsi://127.0.0.1:65536/iqn.x:y/0", "port"},
      {"iscsi://127.0.0.1:/iqn.x:y/0", "empty port"},
      {"iscsi://[::1/iqn.x:y/0", "unclosed"},
      {"iscsi:///iqn.x:y/0", "empty host"},
      {"iscsi://%pw@127.0.0.1/iqn.x:y/0", "user"},
      {"iscsi://127.0.0.1/a/b/0", "may not contain"},
  };
  for (const Case& c : cases) {
    std::string why;
    INFO(c.text);
    CHECK_FALSE(parse_iscsi_url(c.text, why));
    CHECK_THAT(why, Catch::Contains(c.says));
  }
}

}  // namespace uiscsi::bench
