// sessions / connections / portals through the dispatcher, from fake snapshots.
#include <catch2/catch.hpp>

#include "target/control/render.h"
#include "target/control/status_commands.h"

using namespace uiscsi;
using namespace uiscsi::target::control;
namespace iscsit = uiscsi::target::iscsit;

namespace {

iscsit::ConnectionInfo sample_connection() {
  iscsit::ConnectionInfo c;
  c.id = 12;
  c.cid = 1;
  c.tsih = 7;
  c.state = iscsit::ConnectionState::full_feature;
  c.local = *offload::SocketAddress::ip("127.0.0.1", 3260);
  c.remote = *offload::SocketAddress::ip("127.0.0.1", 40000);
  c.path = {offload::Policy::auto_, offload::Path::tcp, "placement: not built; smc: not built"};
  c.counters.bytes_received = 1048576;
  c.counters.bytes_sent = 4096;
  c.counters.pdus_received = 17;
  c.counters.digest_errors = 2;
  c.counters.bytes_sendfile = 786432;
  c.counters.bytes_file_read = 8192;
  c.initiator_name = "iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test";
  c.target_name = "iqn.2026-11.org.uiscsi:default";
  c.params.header_digest = iscsi::DigestType::crc32c;
  c.params.max_recv_data_segment_length = 262144;
  c.tasks = 3;
  return c;
}

StatusSource fake_source() {
  iscsit::SessionInfo session;
  session.isid = {0x40, 0x00, 0x01, 0x37, 0x00, 0x00};
  session.tsih = 7;
  session.target_portal_group_tag = 1;
  session.initiator_name = "iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test";
  session.target_name = "iqn.2026-11.org.uiscsi:default";
  session.params.max_burst_length = 262144;
  session.connections.push_back(sample_connection());
  iscsit::ConnectionInfo logging_in;
  logging_in.local = *offload::SocketAddress::ip("::1", 3260);
  logging_in.remote = *offload::SocketAddress::ip("::1", 50000);
  return {[session] { return std::vector<iscsit::SessionInfo>{session}; },
          [logging_in] { return std::vector<iscsit::ConnectionInfo>{sample_connection(), logging_in}; },
          [] { return std::vector<offload::SocketAddress>{*offload::SocketAddress::ip("127.0.0.1", 41234)}; }};
}

}  // namespace

TEST_CASE("a connection's JSON names its 4-tuple, path, fallback reason and counters", "[control][status]") {
  const auto json = to_json(sample_connection());
  CHECK(json.at("id") == 12u);
  CHECK(json.at("tsih") == 7);
  CHECK(json.at("cid") == 1);
  CHECK(json.at("local") == "127.0.0.1:3260");
  CHECK(json.at("remote") == "127.0.0.1:40000");
  CHECK(json.at("path").at("requested") == "auto");
  CHECK(json.at("path").at("in_use") == "tcp");
  CHECK(json.at("path").at("fallback_reason") == "placement: not built; smc: not built");
  CHECK(json.at("path").at("mode") == "");  // tcp has no kernel-side mode
  CHECK(json.at("counters").at("bytes_received") == 1048576u);
  CHECK(json.at("counters").at("digest_errors") == 2u);
  CHECK(json.at("counters").at("bytes_sendfile") == 786432u);
  CHECK(json.at("counters").at("bytes_file_read") == 8192u);
  CHECK(json.at("params").at("header_digest") == "CRC32C");
  CHECK(json.at("params").at("max_recv_data_segment_length") == 262144u);
  CHECK(json.at("tasks") == 3u);
}

TEST_CASE("an smc connection names the mode the kernel chose, and why it fell back", "[control][status]") {
  iscsit::ConnectionInfo c = sample_connection();
  c.path = {offload::Policy::smc, offload::Path::smc, "smc: kernel fell back to TCP: no SMC device found (0x03030000)"};
  c.path.mode = "TCP";
  const auto json = to_json(c);
  CHECK(json.at("path").at("in_use") == "smc");
  CHECK(json.at("path").at("mode") == "TCP");
  CHECK(json.at("path").at("fallback_reason") == "smc: kernel fell back to TCP: no SMC device found (0x03030000)");
}

TEST_CASE("connections renders one aligned row per connection", "[control][status]") {
  Dispatcher dispatcher;
  add_status_commands(dispatcher, fake_source());
  const auto response = dispatcher.handle(Request{"connections", {}});
  REQUIRE(response.ok);
  REQUIRE(response.result.at("items").as_array().size() == 2);
  const std::string text = render_text(response.result);
  INFO(text);
  std::vector<std::string> lines;
  for (std::size_t at = 0, next; (next = text.find('\n', at)) != std::string::npos; at = next + 1) {
    lines.push_back(text.substr(at, next - at));
  }
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].starts_with("ID  TSIH  CID  STATE"));
  CHECK(lines[1].starts_with("12"));
  CHECK(lines[1].find("127.0.0.1:40000") != std::string::npos);
  CHECK(lines[1].find("1048576") != std::string::npos);
  CHECK(lines[0].find("SENDFILE") != std::string::npos);
  CHECK(lines[1].find("786432") != std::string::npos);
  CHECK(lines[1].find("placement: not built; smc: not built") != std::string::npos);
  CHECK(lines[2].find("[::1]:50000") != std::string::npos);
  CHECK(lines[2].find("login") != std::string::npos);
  // Aligned: every column starts at the same offset in every row.
  const auto remote_column = lines[0].find("REMOTE");
  CHECK(lines[1].find("127.0.0.1:40000") == remote_column);
  CHECK(lines[2].find("[::1]:50000") == remote_column);
}

TEST_CASE("sessions and portals", "[control][status]") {
  Dispatcher dispatcher;
  add_status_commands(dispatcher, fake_source());
  auto response = dispatcher.handle(Request{"sessions", {}});
  REQUIRE(response.ok);
  const auto& session = response.result.at("items").as_array().at(0);
  CHECK(session.at("isid") == "400001370000");
  CHECK(session.at("type") == "Normal");
  CHECK(session.at("connection_count") == 1u);
  CHECK(session.at("connections").as_array().size() == 1);
  CHECK(render_text(response.result).find("400001370000") != std::string::npos);

  response = dispatcher.handle(Request{"portals", {}});
  REQUIRE(response.ok);
  CHECK(render_text(response.result) == "LISTENING\n127.0.0.1:41234\n");

  response = dispatcher.handle(Request{"sessions", {{"verbose", true}}});
  CHECK_FALSE(response.ok);
}
