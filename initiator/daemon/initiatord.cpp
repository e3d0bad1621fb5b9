#include "initiator/daemon/initiatord.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/array.hpp>
#include <algorithm>

#include "initiator/daemon/iscsi_err.h"
#include "initiator/daemon/session_entry.h"
#include "initiator/discovery.h"
#include "initiator/node_db/node_keys.h"
#include "initiator/node_db/session_settings.h"

namespace uiscsi::initiator::daemon {
namespace asio = boost::asio;
namespace json = boost::json;
using node_db::NodeKey;
using node_db::Record;

namespace {

json::array record_json(const Record& record) {
  json::array entries;
  for (const auto& [key, value] : record.entries()) entries.push_back(json::array{json::string(key), json::string(value)});
  return entries;
}

json::object node_json(const NodeKey& key) {
  return json::object{{"target", key.target},
                      {"address", key.portal.host},
                      {"port", key.portal.port},
                      {"tpgt", key.tpgt}};
}

std::optional<Portal> portal_arg(const json::object& args, std::string& error) {
  const auto address = string_arg(args, "address");
  const auto port = int_arg(args, "port");
  if (!address || address->empty()) {
    error = "no portal given (-p IP[:PORT])";
    return std::nullopt;
  }
  if (port && (*port <= 0 || *port > 65535)) {
    error = "port " + std::to_string(*port) + " is out of range";
    return std::nullopt;
  }
  return Portal{*address, static_cast<std::uint16_t>(port.value_or(kDefaultIscsiPort))};
}

asio::awaitable<DiscoveryResult> discover_on(asio::io_context& io, node_db::SessionSettings settings) {
  Connector connector = make_connector(io, offload::Registry::with_builtin_paths(), settings.policy);
  co_return co_await discover(io, std::move(settings.config), std::move(connector));
}

}  // namespace

Initiatord::Initiatord(asio::io_context& control, DaemonOptions options, std::ostream& log)
    : control_(control), options_(std::move(options)), log_(log), db_(options_.db), workers_(options_.threads) {}

Initiatord::~Initiatord() { workers_.stop(); }

asio::awaitable<Response> Initiatord::handle(Request request) {
  const json::object& args = request.args;
  const std::string& c = request.command;
  if (c == "discover") co_return co_await discover(args);
  if (c == "discoverydb") co_return discoverydb(args);
  if (c == "discoveries") co_return discoveries();
  if (c == "nodes") co_return nodes(args);
  if (c == "node_new") co_return node_new(args);
  if (c == "node_update") co_return node_update(args);
  if (c == "node_delete") co_return node_delete(args);
  if (c == "login") co_return co_await login(args);
  if (c == "logout") co_return co_await logout(args);
  if (c == "sessions") co_return co_await sessions(args);
  co_return Response::failure(kErrInvalid, "unknown command \"" + c + "\"");
}

std::vector<NodeKey> Initiatord::matching_nodes(const json::object& args, std::string& error) const {
  std::vector<std::string> problems;
  std::vector<NodeKey> all = db_.list_nodes(problems);
  for (const std::string& problem : problems) log_ << "uiscsid: node database: " << problem << '\n';
  const auto target = string_arg(args, "target");
  const auto address = string_arg(args, "address");
  const auto port = int_arg(args, "port");
  std::vector<NodeKey> out;
  for (NodeKey& key : all) {
    if (target && key.target != *target) continue;
    if (address && key.portal.host != *address) continue;
    if (port && key.portal.port != *port) continue;
    out.push_back(std::move(key));
  }
  if (out.empty()) error = "No records found";
  return out;
}

asio::awaitable<Response> Initiatord::discover(const json::object& args) {
  std::string error;
  const auto portal = portal_arg(args, error);
  if (!portal) co_return Response::failure(kErrInvalid, error);
  auto record = db_.read_discovery(*portal, error);
  if (!error.empty()) co_return Response::failure(kErrDatabase, error);
  if (!record) {
    record = node_db::default_discovery_record(*portal);
    if (!db_.write_discovery(*portal, *record, error)) co_return Response::failure(kErrDatabase, error);
  }
  node_db::complete_discovery_record(*record);
  auto settings = node_db::discovery_session_settings(*record, options_.initiator_name);
  if (!settings.settings) co_return Response::failure(kErrInvalid, settings.error);

  asio::io_context& io = workers_.pick();
  DiscoveryResult found = co_await asio::co_spawn(io, discover_on(io, std::move(*settings.settings)), asio::use_awaitable);
  if (found.ec) co_return Response::failure(login_error_status(found.ec), found.error);

  // Record every portal of every target; a node that exists keeps its settings.
  json::array targets;
  std::vector<NodeKey> current;
  for (const DiscoveredTarget& target : found.targets) {
    std::vector<TargetAddress> addresses = target.portals;
    if (addresses.empty()) addresses.push_back(TargetAddress{*portal, std::nullopt});
    for (const TargetAddress& address : addresses) {
      const NodeKey key{target.name, address.portal, address.portal_group_tag ? *address.portal_group_tag : -1};
      if (!node_db::valid_target_name(key.target) || !node_db::valid_target_name(key.portal.host)) {
        log_ << "uiscsid: discovery at " << portal->to_string() << ": skipping unusable name \"" << key.target
             << "\" at \"" << key.portal.host << "\"\n";
        continue;
      }
      auto existing = db_.read_node(key, error);
      if (!existing) {
        Record node = node_db::default_node_record(key.target, key.portal, key.tpgt);
        node.set("node.discovery_address", portal->host);
        node.set("node.discovery_port", std::to_string(portal->port));
        node.set("node.discovery_type", "send_targets");
        if (!db_.write_node(key, node, error)) co_return Response::failure(kErrDatabase, error);
      }
      if (!db_.link_discovered(*portal, key, error)) co_return Response::failure(kErrDatabase, error);
      current.push_back(key);
      targets.push_back(node_json(key));
    }
  }
  // Nodes this portal reported before and no longer does are stale (as iscsiadm deletes
  // them); a node with a session keeps its record until it is logged out.
  for (const NodeKey& key : db_.discovered_nodes(*portal)) {
    if (std::find(current.begin(), current.end(), key) != current.end()) continue;
    bool busy = false;
    for (const auto& [sid, entry] : sessions_) busy = busy || entry->node == key;
    if (!busy && !db_.delete_node(key, error)) log_ << "uiscsid: " << error << '\n';
  }
  co_return Response::success(json::object{{"targets", std::move(targets)}});
}

Response Initiatord::discoverydb(const json::object& args) {
  std::string error;
  const auto portal = portal_arg(args, error);
  if (!portal) return Response::failure(kErrInvalid, error);
  const std::string op = string_arg(args, "op").value_or("show");
  auto record = db_.read_discovery(*portal, error);
  if (!error.empty()) return Response::failure(kErrDatabase, error);
  const std::string name = portal->host + "," + std::to_string(portal->port);
  if (op == "new" || op == "update") {
    // An update of a record that does not exist yet creates it first, so that the usual
    // "-o update ... then --discover" works without a separate "-o new".
    if (!record) record = node_db::default_discovery_record(*portal);
    node_db::complete_discovery_record(*record);
    if (op == "update") {
      const auto key = string_arg(args, "name");
      const auto value = string_arg(args, "value");
      if (!key || !value) return Response::failure(kErrInvalid, "update needs -n NAME and -v VALUE");
      if (std::string why = node_db::update_discovery_value(*record, *key, *value); !why.empty()) {
        return Response::failure(kErrInvalid, why);
      }
    }
    if (!db_.write_discovery(*portal, *record, error)) return Response::failure(kErrDatabase, error);
    return Response::success(json::object{{"record", record_json(*record)}});
  }
  if (!record) return Response::failure(kErrNoObjectsFound, "Discovery record [" + name + "] not found.");
  if (op == "show") return Response::success(json::object{{"record", record_json(*record)}});
  if (op == "delete") {
    for (const NodeKey& key : db_.discovered_nodes(*portal)) {
      if (!db_.delete_node(key, error)) return Response::failure(kErrDatabase, error);
    }
    if (!db_.delete_discovery(*portal, error)) return Response::failure(kErrDatabase, error);
    return Response::success(json::object{});
  }
  return Response::failure(kErrInvalid, "unknown discoverydb operation \"" + op + "\"");
}

Response Initiatord::discoveries() {
  std::vector<std::string> problems;
  json::array list;
  for (const Portal& portal : db_.list_discovery(problems)) {
    list.push_back(json::object{{"address", portal.host}, {"port", portal.port}});
  }
  if (list.empty()) return Response::failure(kErrNoObjectsFound, "No discovery found.");
  return Response::success(json::object{{"discoveries", std::move(list)}});
}

Response Initiatord::nodes(const json::object& args) {
  std::string error;
  const auto keys = matching_nodes(args, error);
  if (keys.empty()) return Response::failure(kErrNoObjectsFound, error);
  json::array list;
  for (const NodeKey& key : keys) {
    auto record = db_.read_node(key, error);
    if (!record) {
      log_ << "uiscsid: " << (error.empty() ? "node vanished" : error) << '\n';
      continue;
    }
    node_db::complete_node_record(*record);
    json::object node = node_json(key);
    node["record"] = record_json(*record);
    list.push_back(std::move(node));
  }
  if (list.empty()) return Response::failure(kErrNoObjectsFound, "No records found");
  return Response::success(json::object{{"nodes", std::move(list)}});
}

Response Initiatord::node_new(const json::object& args) {
  std::string error;
  const auto target = string_arg(args, "target");
  const auto portal = portal_arg(args, error);
  if (!target || !node_db::valid_target_name(*target)) return Response::failure(kErrInvalid, "-o new needs -T TARGET");
  if (!portal) return Response::failure(kErrInvalid, error);
  const NodeKey key{*target, *portal, node_db::kTpgtUnknown};
  // A node with the same name and portal under any tag already exists: nothing to add.
  json::object filter{{"target", key.target}, {"address", key.portal.host}, {"port", key.portal.port}};
  if (!matching_nodes(filter, error).empty()) return Response::failure(kErrSessionExists, "node record exists");
  if (!db_.write_node(key, node_db::default_node_record(key.target, key.portal, key.tpgt), error)) {
    return Response::failure(kErrDatabase, error);
  }
  return Response::success(node_json(key));
}

Response Initiatord::node_update(const json::object& args) {
  std::string error;
  const auto name = string_arg(args, "name");
  const auto value = string_arg(args, "value");
  if (!name || !value) return Response::failure(kErrInvalid, "update needs -n NAME and -v VALUE");
  const auto keys = matching_nodes(args, error);
  if (keys.empty()) return Response::failure(kErrNoObjectsFound, error);
  // Check every record first, so that a bad value changes none of them.
  std::vector<Record> updated;
  for (const NodeKey& key : keys) {
    auto record = db_.read_node(key, error);
    if (!record) return Response::failure(kErrDatabase, error.empty() ? "node vanished" : error);
    node_db::complete_node_record(*record);
    if (std::string why = node_db::update_node_value(*record, *name, *value); !why.empty()) {
      return Response::failure(kErrInvalid, why);
    }
    updated.push_back(std::move(*record));
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (!db_.write_node(keys[i], updated[i], error)) return Response::failure(kErrDatabase, error);
  }
  return Response::success(json::object{{"updated", keys.size()}});
}

Response Initiatord::node_delete(const json::object& args) {
  std::string error;
  const auto keys = matching_nodes(args, error);
  if (keys.empty()) return Response::failure(kErrNoObjectsFound, error);
  for (const NodeKey& key : keys) {
    for (const auto& [sid, entry] : sessions_) {
      if (entry->node == key) {
        return Response::failure(kErrSessionExists, "This command will remove the record [iface: default, target: " +
                                                        key.target + ", portal: " + key.portal.host + "," +
                                                        std::to_string(key.portal.port) +
                                                        "], but a session is using it. Logout session then rerun command to remove record.");
      }
    }
  }
  for (const NodeKey& key : keys) {
    if (!db_.delete_node(key, error)) return Response::failure(kErrDatabase, error);
  }
  return Response::success(json::object{{"deleted", keys.size()}});
}

}  // namespace uiscsi::initiator::daemon
