// uiscsi-target's command line.
#include <catch2/catch.hpp>

#include <vector>

#include "target/control/command_line.h"

using namespace uiscsi::target::control;

namespace {

ParsedCommandLine parse(std::initializer_list<std::string_view> args) {
  const std::vector<std::string_view> v(args);
  return parse_command_line(v);
}

}  // namespace

TEST_CASE("no arguments: serve the embedded default", "[cli]") {
  const auto parsed = parse({});
  REQUIRE(parsed.command_line);
  const auto& line = *parsed.command_line;
  CHECK(line.action == Action::serve);
  CHECK_FALSE(line.config_file);
  CHECK(line.listen.empty());
  CHECK(line.data_directory == "uiscsi-data");
  const auto source = line.configuration_source();
  CHECK(source.name() == "(embedded default)");
}

TEST_CASE("every serving option", "[cli]") {
  const auto parsed = parse({"-c", "t.toml", "--listen", "127.0.0.1:0", "--listen=[::1]:3261",
                             "--data-dir", "/tmp/d", "--ctl=/tmp/c.sock", "--threads", "3"});
  REQUIRE(parsed.command_line);
  const auto& line = *parsed.command_line;
  CHECK(line.action == Action::serve);
  CHECK(line.config_file == std::filesystem::path("t.toml"));
  REQUIRE(line.listen.size() == 2);
  CHECK(line.listen[0].address == "127.0.0.1");
  CHECK(line.listen[0].port == 0);
  CHECK(line.listen[1].address == "::1");
  CHECK(line.listen[1].port == 3261);
  CHECK(line.data_directory == "/tmp/d");
  CHECK(line.socket_path() == "/tmp/c.sock");
  CHECK(line.threads == 3);
  CHECK(line.configuration_source().name() == "t.toml");
}

TEST_CASE("the check-config, help and version actions", "[cli]") {
  CHECK(parse({"--check-config", "-c", "x.toml"}).command_line->action == Action::check_config);
  CHECK(parse({"--check-config"}).command_line->action == Action::check_config);
  CHECK(parse({"-c", "x", "--help"}).command_line->action == Action::help);
  CHECK(parse({"-h"}).command_line->action == Action::help);
  CHECK(parse({"--version"}).command_line->action == Action::version);
  CHECK(parse({"-V"}).command_line->action == Action::version);
}

TEST_CASE("bad command lines say what is wrong", "[cli]") {
  const std::pair<std::vector<std::string_view>, const char*> cases[] = {
      {{"--frobnicate"}, "unknown argument '--frobnicate'"},
      {{"extra"}, "unknown argument 'extra'"},
      {{"-c"}, "-c needs a value"},
      {{"--config="}, "--config needs a non-empty value"},
      {{"--listen", "localhost:3260"}, "--listen: portal 'localhost:3260'"},
      {{"--listen", "127.0.0.1:70000"}, "0 to 65535"},
      {{"--threads", "0"}, "--threads: '0'"},
      {{"--threads", "many"}, "--threads: 'many'"},
      {{"ctl"}, "ctl needs a command"},
      {{"ctl", "--json"}, "ctl needs a command"},
      {{"ctl", "sessions", "--socket"}, "--socket needs a value"},
  };
  for (const auto& [args, message] : cases) {
    INFO(message);
    const auto parsed = parse_command_line(args);
    CHECK_FALSE(parsed.command_line);
    CHECK_THAT(parsed.error, Catch::Contains(message));
  }
}

TEST_CASE("ctl builds the request for the daemon", "[cli][ctl]") {
  auto parsed = parse({"ctl", "connections", "--json", "--socket", "/tmp/s.sock"});
  REQUIRE(parsed.command_line);
  CHECK(parsed.command_line->action == Action::control);
  CHECK(parsed.command_line->request.command == "connections");
  CHECK(parsed.command_line->request.args.empty());
  CHECK(parsed.command_line->json);
  CHECK(parsed.command_line->socket_path() == "/tmp/s.sock");

  // Options the ctl side does not know go to the daemon's command table, which judges them.
  parsed = parse({"ctl", "offload", "--conn", "12", "tcp", "--force", "--why=testing"});
  REQUIRE(parsed.command_line);
  const auto& args = parsed.command_line->request.args;
  CHECK(args.at("conn") == "12");
  CHECK(args.at("force") == true);
  CHECK(args.at("why") == "testing");
  REQUIRE(args.at("operands").is_array());
  CHECK(args.at("operands").as_array() == boost::json::array{"tcp"});
  CHECK_FALSE(parsed.command_line->json);

  parsed = parse({"ctl", "sessions", "--data-dir", "/srv/u"});
  REQUIRE(parsed.command_line);
  CHECK(parsed.command_line->data_directory == "/srv/u");
}

TEST_CASE("the help text names every option the parser accepts", "[cli]") {
  const std::string_view help = help_text();
  for (const char* option : {"-c, --config", "--check-config", "--listen", "--data-dir", "--ctl",
                             "--threads", "--help", "--version", "ctl sessions", "ctl connections",
                             "ctl portals", "ctl offload --conn ID tcp", "ctl help", "--json", "--socket", "SIGHUP", "SIGTERM",
                             "Exit status"}) {
    INFO(option);
    CHECK(help.find(option) != std::string_view::npos);
  }
}
