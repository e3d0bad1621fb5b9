#include "target/control/status_commands.h"

#include <cstdio>
#include <memory>
#include <string>

#include "iscsi/negotiation_params.h"
#include "offload/path.h"

namespace uiscsi::target::control {
namespace {

// ISID as 12 hex digits in wire order (T|A, B, C, D; RFC 7143 11.12.5), the form
// open-iscsi and LIO print.
std::string isid_text(const iscsi::Isid& isid) {
  std::string out;
  for (const std::uint8_t byte : isid) {
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", byte);
    out += hex;
  }
  return out;
}

boost::json::object counters_json(const offload::Counters& c) {
  return {{"bytes_received", c.bytes_received},
          {"bytes_sent", c.bytes_sent},
          {"bytes_placed", c.bytes_placed},
          {"bytes_copied", c.bytes_copied},
          {"bytes_owned", c.bytes_owned},
          {"pdus_received", c.pdus_received},
          {"pdus_sent", c.pdus_sent},
          {"digest_errors", c.digest_errors},
          {"placement_misses", c.placement_misses},
          {"expectation_evictions", c.expectation_evictions},
          {"placement_hits", c.placement_hits},
          {"zerocopy_sends", c.zerocopy_sends},
          {"bytes_zerocopy", c.bytes_zerocopy},
          {"zerocopy_copied", c.zerocopy_copied},
          {"bytes_sendfile", c.bytes_sendfile},
          {"bytes_file_read", c.bytes_file_read}};
}

Outcome sessions_table(const StatusSource& source) {
  boost::json::array items;
  for (const auto& session : source.sessions()) items.push_back(to_json(session));
  static const Column columns[] = {
      {"TSIH", "/tsih"},           {"TYPE", "/type"},
      {"ISID", "/isid"},           {"TPGT", "/target_portal_group_tag"},
      {"CONNS", "/connection_count"}, {"INITIATOR", "/initiator_name"},
      {"TARGET", "/target_name"}};
  return {make_table(columns, std::move(items)), {}};
}

Outcome connections_table(const StatusSource& source) {
  boost::json::array items;
  for (const auto& connection : source.connections()) items.push_back(to_json(connection));
  // The fallback reason can be long ("placement: not built; smc: ..."), so it goes last.
  static const Column columns[] = {
      {"ID", "/id"},
      {"TSIH", "/tsih"},
      {"CID", "/cid"},
      {"STATE", "/state"},
      {"LOCAL", "/local"},
      {"REMOTE", "/remote"},
      {"PATH", "/path/in_use"},
      {"RX-BYTES", "/counters/bytes_received"},
      {"TX-BYTES", "/counters/bytes_sent"},
      {"RX-PDUS", "/counters/pdus_received"},
      {"TX-PDUS", "/counters/pdus_sent"},
      {"PLACED", "/counters/bytes_placed"},
      {"COPIED", "/counters/bytes_copied"},
      {"SENDFILE", "/counters/bytes_sendfile"},
      {"DIGEST-ERR", "/counters/digest_errors"},
      {"TASKS", "/tasks"},
      {"INITIATOR", "/initiator_name"},
      {"FALLBACK", "/path/fallback_reason"},
      {"MODE", "/path/mode"}};
  return {make_table(columns, std::move(items)), {}};
}

Outcome portals_table(const StatusSource& source) {
  boost::json::array items;
  for (const auto& address : source.listening()) {
    items.push_back(boost::json::object{{"address", address.to_string()}});
  }
  static const Column columns[] = {{"LISTENING", "/address"}};
  return {make_table(columns, std::move(items)), {}};
}

}  // namespace

StatusSource status_source(const iscsit::Server& server) {
  return {[&server] { return server.sessions(); }, [&server] { return server.connections(); },
          [&server] { return server.listening(); }};
}

boost::json::object to_json(const iscsit::ConnectionInfo& connection) {
  return {
      {"id", connection.id},
      {"tsih", connection.tsih},
      {"cid", connection.cid},
      {"state", iscsit::to_text(connection.state)},
      {"local", connection.local.to_string()},
      {"remote", connection.remote.to_string()},
      {"path",
       {{"requested", offload::name(connection.path.requested)},
        {"in_use", offload::name(connection.path.in_use)},
        {"fallback_reason", connection.path.fallback_reason},
        {"mode", connection.path.mode}}},
      {"counters", counters_json(connection.counters)},
      {"initiator_name", connection.initiator_name},
      {"target_name", connection.target_name},
      {"params",
       {{"header_digest", iscsi::to_text(connection.params.header_digest)},
        {"data_digest", iscsi::to_text(connection.params.data_digest)},
        {"max_recv_data_segment_length", connection.params.max_recv_data_segment_length},
        {"max_send_data_segment_length", connection.params.max_send_data_segment_length}}},
      {"tasks", connection.tasks},
  };
}

boost::json::object to_json(const iscsit::SessionInfo& session) {
  boost::json::array connections;
  for (const auto& connection : session.connections) connections.push_back(to_json(connection));
  return {
      {"tsih", session.tsih},
      {"isid", isid_text(session.isid)},
      {"type", iscsi::to_text(session.type)},
      {"target_portal_group_tag", session.target_portal_group_tag},
      {"initiator_name", session.initiator_name},
      {"initiator_alias", session.initiator_alias},
      {"target_name", session.target_name},
      {"connection_count", session.connections.size()},
      {"params",
       {{"max_connections", session.params.max_connections},
        {"initial_r2t", session.params.initial_r2t},
        {"immediate_data", session.params.immediate_data},
        {"max_burst_length", session.params.max_burst_length},
        {"first_burst_length", session.params.first_burst_length},
        {"max_outstanding_r2t", session.params.max_outstanding_r2t},
        {"default_time2wait", session.params.default_time2wait},
        {"default_time2retain", session.params.default_time2retain}}},
      {"connections", std::move(connections)},
  };
}

void add_status_commands(Dispatcher& dispatcher, StatusSource source) {
  auto shared = std::make_shared<const StatusSource>(std::move(source));
  dispatcher.add({"sessions", "sessions", "list the sessions in Full Feature Phase", {},
                  [shared](const boost::json::object&) { return sessions_table(*shared); }});
  dispatcher.add({"connections", "connections",
                  "list every connection: 4-tuple, data path, fallback reason, counters", {},
                  [shared](const boost::json::object&) { return connections_table(*shared); }});
  dispatcher.add({"portals", "portals", "list the listening addresses with their real ports", {},
                  [shared](const boost::json::object&) { return portals_table(*shared); }});
}

}  // namespace uiscsi::target::control
