// uiscsiadm's command line (iscsiadm's syntax), the control protocol's line codec, the
// mapping of login failures to iscsiadm's exit codes, and initiatorname.iscsi.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "initiator/adm/command_line.h"
#include "initiator/daemon/initiator_name.h"
#include "initiator/daemon/iscsi_err.h"
#include "initiator/daemon/protocol.h"
#include "initiator/error.h"
#include "iscsi/chap_error.h"
#include "iscsi/login_status.h"
#include "offload/error.h"

using namespace uiscsi::initiator;

namespace {

adm::ParsedCommandLine parse(std::vector<std::string> words) {
  words.insert(words.begin(), "uiscsiadm");
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  return adm::parse_command_line(std::span<char*>(argv.data(), argv.size() - 1));
}

}  // namespace

TEST_CASE("uiscsiadm parses iscsiadm's node commands") {
  auto p = parse({"-m", "node", "-T", "iqn.2026-11.org.example:disk", "-p", "192.0.2.1:3261", "--login"});
  REQUIRE(p.command_line);
  CHECK(p.command_line->mode == adm::Mode::node);
  CHECK(p.command_line->target == "iqn.2026-11.org.example:disk");
  CHECK(p.command_line->address == "192.0.2.1");
  CHECK(p.command_line->port == 3261);
  CHECK(p.command_line->login);

  // -p without a port matches any port of the address, as in iscsiadm.
  p = parse({"--mode=node", "--portal=192.0.2.1", "-u"});
  REQUIRE(p.command_line);
  CHECK_FALSE(p.command_line->port);
  CHECK(p.command_line->logout);
  p = parse({"-m", "node", "-p", "[fe80::1]:3262", "-o", "update", "-n", "node.startup", "-v", "automatic"});
  REQUIRE(p.command_line);
  CHECK(p.command_line->address == "fe80::1");
  CHECK(p.command_line->port == 3262);
  CHECK(p.command_line->op == adm::Op::update);
  CHECK(p.command_line->value == "automatic");
  p = parse({"-m", "node", "-p", "fe80::1"});
  REQUIRE(p.command_line);
  CHECK(p.command_line->address == "fe80::1");
  CHECK_FALSE(p.command_line->port);
  p = parse({"-m", "node", "--loginall=automatic"});
  REQUIRE(p.command_line);
  CHECK(p.command_line->login_all == "automatic");
  p = parse({"-m", "node", "-U", "all", "--socket", "/tmp/x.sock"});
  REQUIRE(p.command_line);
  CHECK(p.command_line->logout_all == "all");
  CHECK(p.command_line->socket == "/tmp/x.sock");
}

TEST_CASE("uiscsiadm parses discovery and session commands") {
  auto p = parse({"-m", "discoverydb", "-t", "st", "-p", "10.0.0.1", "--discover", "-l"});
  REQUIRE(p.command_line);
  CHECK(p.command_line->mode == adm::Mode::discoverydb);
  CHECK(p.command_line->type == "sendtargets");
  CHECK(p.command_line->discover);
  CHECK(p.command_line->login);
  p = parse({"-m", "session", "-P", "3", "-r", "2", "--stats"});
  REQUIRE(p.command_line);
  CHECK(p.command_line->print_level == 3);
  CHECK(p.command_line->sid == 2);
  CHECK(p.command_line->stats);
}

TEST_CASE("uiscsiadm refuses bad command lines with a reason") {
  CHECK(parse({}).error.find("You must specify a mode") == 0);
  CHECK(parse({"-m", "host"}).error.find("Invalid mode 'host'") == 0);
  CHECK(parse({"-m", "session", "-P", "4"}).error.find("Invalid info level") == 0);
  CHECK(parse({"-m", "session", "-r", "0"}).error.find("invalid session id") == 0);
  CHECK(parse({"-m", "node", "--loginall=sometimes"}).error.find("Invalid loginall option") == 0);
  CHECK(parse({"-m", "discovery", "-t", "isns"}).error.find("Unsupported discovery type") == 0);
  CHECK(parse({"-m", "node", "-p", "192.0.2.1:99999"}).error.find("Invalid portal") == 0);
  CHECK(parse({"-m", "node", "-o", "update", "-n", "node.startup"}).error == "-o update needs -n NAME and -v VALUE");
  CHECK(parse({"-m", "node", "-I", "iser"}).error.find("Could not find iface") == 0);
  CHECK(parse({"-m", "node", "--bogus"}).error.find("unrecognized option") == 0);
  CHECK(parse({"-m", "node", "stray"}).error == "unexpected argument 'stray'");
  CHECK(parse({"--help"}).command_line->help);
}

TEST_CASE("login failures map to iscsiadm's exit codes") {
  using uiscsi::iscsi::LoginStatus;
  CHECK(daemon::login_error_status({}) == 0);
  CHECK(daemon::login_error_status(make_error_code(LoginStatus::authentication_failure)) == 24);
  CHECK(daemon::login_error_status(make_error_code(LoginStatus::authorization_failure)) == 24);
  CHECK(daemon::login_error_status(make_error_code(LoginStatus::not_found)) == 19);
  CHECK(daemon::login_error_status(make_error_code(LoginStatus::service_unavailable)) == 5);
  CHECK(daemon::login_error_status(make_error_code(errc::target_not_authenticated)) == 24);
  CHECK(daemon::login_error_status(make_error_code(errc::login_timeout)) == 8);
  CHECK(daemon::login_error_status(make_error_code(uiscsi::iscsi::chap_errc::unsupported_algorithm)) == 24);
  CHECK(daemon::login_error_status(make_error_code(uiscsi::offload::errc::path_unavailable)) == 12);
  CHECK(daemon::login_error_status(std::make_error_code(std::errc::connection_refused)) == 4);
  CHECK(daemon::iscsi_err_text(24) == "iSCSI login failed due to authorization failure");
  CHECK(daemon::iscsi_err_text(21) == "no objects found");
  CHECK(daemon::iscsi_err_text(99) == "unknown error");
}

TEST_CASE("control lines round-trip and malformed ones are refused") {
  std::string error;
  const daemon::Request request{"login", {{"target", "iqn.x"}, {"port", 3260}}};
  const auto back = daemon::decode_request(daemon::encode_request(request), error);
  REQUIRE(back);
  CHECK(back->command == "login");
  CHECK(daemon::int_arg(back->args, "port") == 3260);
  CHECK(daemon::string_arg(back->args, "target") == "iqn.x");
  CHECK_FALSE(daemon::int_arg(back->args, "target"));

  const auto failure = daemon::decode_response(daemon::encode_response(daemon::Response::failure(24, "no")), error);
  REQUIRE(failure);
  CHECK_FALSE(failure->ok);
  CHECK(failure->status == 24);
  CHECK(failure->error == "no");

  CHECK_FALSE(daemon::decode_request("{\"command\": ", error));
  CHECK(error.find("not JSON") == 0);
  CHECK_FALSE(daemon::decode_request("[1, 2]", error));
  CHECK(error == "expected a JSON object");
  CHECK_FALSE(daemon::decode_request("{\"args\": {}}", error));
  CHECK_FALSE(daemon::decode_request("{\"command\": \"x\", \"args\": 3}", error));
  CHECK_FALSE(daemon::decode_response("{\"result\": 1}", error));
  // A refusal without a status is a generic error (1), not success.
  const auto bare = daemon::decode_response("{\"ok\": false}", error);
  REQUIRE(bare);
  CHECK(bare->status == 1);
  CHECK(bare->error == "(no reason given)");
  // Every prefix of a good line is refused or complete, never misread.
  const std::string line = daemon::encode_request(request);
  for (std::size_t cut = 0; cut + 1 < line.size(); ++cut) {
    CHECK_FALSE(daemon::decode_request(std::string_view(line).substr(0, cut), error));
  }
}

TEST_CASE("initiatorname.iscsi gives its InitiatorName= line") {
  CHECK(daemon::parse_initiator_name_file("## comment\r\nInitiatorName=iqn.2026-11.org.example:host\r\n") ==
        "iqn.2026-11.org.example:host");
  CHECK_FALSE(daemon::parse_initiator_name_file("InitiatorName=\n"));
  CHECK_FALSE(daemon::parse_initiator_name_file("# nothing\n"));
}
