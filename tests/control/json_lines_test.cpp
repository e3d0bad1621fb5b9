// The JSON line codec both control sockets share: the envelope, and the members a daemon
// adds to failures (uiscsid's "status") travel through it untouched.
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include "control/json_lines.h"

using namespace uiscsi::control;
namespace json = boost::json;

TEST_CASE("json lines: a daemon's failure members are written on failures only, and read back", "[json_lines]") {
  const json::object extra{{"status", 24}};
  const std::string failure = encode_response({false, nullptr, "authorization failure"}, extra);
  CHECK(failure.back() == '\n');
  CHECK(json::parse(failure).as_object() == json::object{{"ok", false}, {"error", "authorization failure"}, {"status", 24}});
  const std::string success = encode_response({true, json::value{{"sid", 1}}, {}}, extra);
  CHECK(json::parse(success).as_object() == json::object{{"ok", true}, {"result", {{"sid", 1}}}});

  std::string error;
  json::object line;
  const auto decoded = decode_response(failure, error, &line);
  REQUIRE(decoded);
  CHECK_FALSE(decoded->ok);
  CHECK(decoded->error == "authorization failure");
  CHECK(line.at("status") == 24);
}

TEST_CASE("json lines: a bad line leaves the caller's object alone", "[json_lines]") {
  std::string error;
  json::object line{{"kept", true}};
  CHECK_FALSE(decode_response("{\"ok\":1}", error, &line));
  CHECK(error == "the response has no \"ok\" boolean");
  CHECK(line == json::object{{"kept", true}});
  CHECK_FALSE(decode_response("{\"ok\":tru", error, &line));
  CHECK(error.starts_with("not JSON: "));
}

TEST_CASE("json lines: requests keep their arguments, with or without the newline", "[json_lines]") {
  const Request request{"login", {{"target", "iqn.2026-11.org.uiscsi:x"}, {"port", 3260}, {"force", true}}};
  std::string line = encode_request(request);
  REQUIRE(line.back() == '\n');
  std::string error;
  for (int trimmed = 0; trimmed < 2; ++trimmed) {
    const auto decoded = decode_request(line, error);
    REQUIRE(decoded);
    CHECK(decoded->command == "login");
    CHECK(decoded->args == request.args);
    line.pop_back();
  }
  // A request without args has none.
  const auto bare = decode_request("{\"command\":\"session\"}", error);
  REQUIRE(bare);
  CHECK(bare->args.empty());
}

TEST_CASE("json lines: a number beyond a double is refused, not read as infinity", "[json_lines]") {
  // Found by fuzz_control_lines: Boost.JSON reads 9999e000009999 as infinity, which no JSON
  // parser would take back once written.
  std::string error;
  CHECK_FALSE(decode_request(R"({"command": "connections", "args": {"n": 9999e000009999}})", error));
  CHECK(error == "a number is out of range");
  CHECK_FALSE(decode_response(R"({"ok": true, "result": [1, [-1e400]]})", error));
  CHECK(error == "a number is out of range");
  CHECK(decode_response(R"({"ok": true, "result": 1.5e300})", error));
}
