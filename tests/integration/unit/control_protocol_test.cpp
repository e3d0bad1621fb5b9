// The control socket protocol, the command table and how ctl renders answers.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <stdexcept>

#include "target/control/dispatcher.h"
#include "target/control/protocol.h"
#include "target/control/render.h"

using namespace uiscsi::target::control;
namespace json = boost::json;

TEST_CASE("requests and responses survive encoding", "[control][protocol]") {
  Request request{"connections", json::object{{"conn", "3"}, {"force", true}}};
  const std::string line = encode_request(request);
  CHECK(line.back() == '\n');
  CHECK(std::count(line.begin(), line.end(), '\n') == 1);
  std::string error;
  const auto decoded = decode_request(line, error);
  REQUIRE(decoded);
  CHECK(decoded->command == "connections");
  CHECK(decoded->args == request.args);

  const auto ok = decode_response(encode_response({true, json::value{{"message", "done"}}, {}}), error);
  REQUIRE(ok);
  CHECK(ok->ok);
  CHECK(ok->result.at("message") == "done");
  const auto refused = decode_response(encode_response({false, nullptr, "no such connection"}), error);
  REQUIRE(refused);
  CHECK_FALSE(refused->ok);
  CHECK(refused->error == "no such connection");
}

TEST_CASE("malformed lines are refused with a reason", "[control][protocol]") {
  std::string error;
  for (const char* line : {"", "{", "[]", "42", "{\"args\":{}}", "{\"command\":7}",
                           "{\"command\":\"x\",\"args\":[]}"}) {
    INFO(line);
    error.clear();
    CHECK_FALSE(decode_request(line, error));
    CHECK_FALSE(error.empty());
  }
  CHECK_FALSE(decode_response("{\"result\":1}", error));
  CHECK_FALSE(decode_response("{\"ok\":\"yes\"}", error));
  // A refusal without a reason still decodes.
  const auto bare = decode_response("{\"ok\":false}", error);
  REQUIRE(bare);
  CHECK(bare->error == "(no reason given)");
}

TEST_CASE("the dispatcher runs commands from its table", "[control][dispatcher]") {
  Dispatcher dispatcher;
  int runs = 0;
  dispatcher.add({"offload", "offload --conn ID PATH", "move a connection", {"conn", "operands"},
                  [&](const json::object& args) -> Outcome {
                    ++runs;
                    if (!args.contains("conn")) return Outcome::failure("--conn is required");
                    return {make_message("moved " + std::string(args.at("conn").as_string())), {}};
                  }});
  dispatcher.add({"boom", "boom", "a handler bug", {},
                  [](const json::object&) -> Outcome { throw std::runtime_error("bug"); }});

  auto response = dispatcher.handle(Request{"offload", {{"conn", "7"}}});
  CHECK(response.ok);
  CHECK(response.result.at("message") == "moved 7");

  response = dispatcher.handle(Request{"offload", {}});
  CHECK_FALSE(response.ok);
  CHECK(response.error == "--conn is required");

  response = dispatcher.handle(Request{"offload", {{"connn", "7"}}});
  CHECK_FALSE(response.ok);
  CHECK_THAT(response.error, Catch::Contains("no option --connn"));
  CHECK(runs == 2);  // the typo never reached the handler

  response = dispatcher.handle(Request{"frobnicate", {}});
  CHECK_FALSE(response.ok);
  CHECK_THAT(response.error, Catch::Contains("unknown command 'frobnicate'"));

  response = dispatcher.handle(Request{"boom", {}});
  CHECK_FALSE(response.ok);
  CHECK_THAT(response.error, Catch::Contains("bug"));

  response = dispatcher.handle(Request{"help", {}});
  REQUIRE(response.ok);
  const auto& items = response.result.at("items").as_array();
  REQUIRE(items.size() == 3);
  CHECK(items[1].at("usage") == "offload --conn ID PATH");

  std::string error;
  const auto line = dispatcher.handle(std::string_view("not json\n"));
  const auto bad = decode_response(line, error);
  REQUIRE(bad);
  CHECK_FALSE(bad->ok);
  CHECK_THAT(bad->error, Catch::StartsWith("bad request"));
}

TEST_CASE("render_text aligns a table and right-aligns numbers", "[control][render]") {
  const Column columns[] = {{"NAME", "/name"}, {"BYTES", "/counters/bytes"}, {"NOTE", "/note"}};
  json::array items;
  items.push_back(json::object{{"name", "a"}, {"counters", {{"bytes", 5}}}, {"note", "first"}});
  items.push_back(json::object{{"name", "longer-name"}, {"counters", {{"bytes", 123456}}}});
  const std::string text = render_text(make_table(columns, std::move(items)));
  CHECK(text ==
        "NAME          BYTES  NOTE\n"
        "a                 5  first\n"
        "longer-name  123456  -\n");
}

TEST_CASE("render_text shows empty tables, messages and other values", "[control][render]") {
  const Column columns[] = {{"TSIH", "/tsih"}};
  CHECK(render_text(make_table(columns, {})) == "TSIH\n(none)\n");
  CHECK(render_text(make_message("switched to tcp")) == "switched to tcp\n");
  CHECK(render_text(json::value{{"k", true}}) == "{\n  \"k\": true\n}\n");
}

TEST_CASE("render_json prints the items of a table", "[control][render]") {
  const Column columns[] = {{"TSIH", "/tsih"}};
  json::array items;
  items.push_back(json::object{{"tsih", 1}, {"path", {{"in_use", "tcp"}}}});
  const std::string text = render_json(make_table(columns, std::move(items)));
  CHECK(text == "[\n  {\n    \"tsih\": 1,\n    \"path\": {\n      \"in_use\": \"tcp\"\n    }\n  }\n]\n");
  CHECK(json::parse(text) == json::parse("[{\"tsih\":1,\"path\":{\"in_use\":\"tcp\"}}]"));
}
