#include "initiator/adm/uiscsiadm.h"

#include <boost/json/array.hpp>
#include <map>
#include <ostream>

#include "initiator/adm/command_line.h"
#include "initiator/adm/output.h"
#include "initiator/daemon/control_client.h"
#include "initiator/daemon/iscsi_err.h"

namespace uiscsi::initiator::adm {
namespace json = boost::json;
using daemon::Request;
using daemon::Response;

namespace {

// A login waits for the connection, CHAP, and probing every LUN; a logout for the
// outstanding commands (at most the command timeout) and the Logout Response.
constexpr std::chrono::seconds kCallTimeout{180};

class Adm {
 public:
  Adm(const CommandLine& c, std::ostream& out, std::ostream& err) : c_(c), out_(out), err_(err) {}

  int run();

 private:
  // One request. On failure prints "uiscsiadm: ERROR" (unless quiet) and sets status_.
  std::optional<json::object> call(std::string command, json::object args, bool quiet = false);
  void error(const std::string& text) { err_ << "uiscsiadm: " << text << '\n'; }
  void fail(int status) {
    if (status_ == 0) status_ = status;
  }

  json::object node_filter() const;
  int discovery();
  int node();
  int session();
  int login_nodes(const json::array& nodes);
  int logout_sessions(const json::array& sessions, bool from_node_mode);
  std::optional<json::array> nodes_matching(const json::object& filter);
  json::array current_sessions();

  const CommandLine& c_;
  std::ostream& out_;
  std::ostream& err_;
  int status_ = 0;
  std::string last_error_;
};

std::optional<json::object> Adm::call(std::string command, json::object args, bool quiet) {
  std::string why;
  daemon::CallFailure failure = daemon::CallFailure::none;
  auto response = daemon::call(c_.socket, Request{std::move(command), std::move(args)}, why, failure, kCallTimeout);
  if (!response) {
    error(why);
    last_error_ = why;
    fail(failure == daemon::CallFailure::not_connected ? daemon::kErrDaemonNotConnected : daemon::kErrDaemonIo);
    return std::nullopt;
  }
  if (!response->ok) {
    last_error_ = response->error;
    if (!quiet) error(response->error);
    fail(response->status);
    return std::nullopt;
  }
  if (!response->result.is_object()) return json::object{};
  return response->result.as_object();
}

json::object Adm::node_filter() const {
  json::object filter;
  if (c_.target) filter["target"] = *c_.target;
  if (c_.address) filter["address"] = *c_.address;
  if (c_.port) filter["port"] = *c_.port;
  return filter;
}

std::optional<json::array> Adm::nodes_matching(const json::object& filter) {
  auto result = call("nodes", filter);
  if (!result) return std::nullopt;
  return result->at("nodes").as_array();
}

json::array Adm::current_sessions() {
  std::string why;
  daemon::CallFailure failure = daemon::CallFailure::none;
  auto response = daemon::call(c_.socket, Request{"sessions", {}}, why, failure, kCallTimeout);
  if (!response || !response->ok || !response->result.is_object()) return {};
  return response->result.as_object().at("sessions").as_array();
}

int Adm::login_nodes(const json::array& nodes) {
  const json::array sessions = current_sessions();
  const auto has_session = [&](const json::object& node) {
    for (const json::value& s : sessions) {
      const json::object& so = s.as_object();
      if (so.at("target") == node.at("target") && so.at("address") == node.at("address") &&
          so.at("port") == node.at("port")) {
        return true;
      }
    }
    return false;
  };
  int first_error = 0;
  for (const json::value& v : nodes) {
    const json::object& node = v.as_object();
    if (has_session(node)) {
      // iscsiadm checks nr_sessions before it says "Logging in".
      error("default: 1 session requested, but 1 already present.");
      if (!first_error) first_error = daemon::kErrSessionExists;
      continue;
    }
    out_ << "Logging in to " << node_label(node) << std::endl;
    json::object args{{"target", node.at("target")},
                      {"address", node.at("address")},
                      {"port", node.at("port")},
                      {"tpgt", node.at("tpgt")}};
    const int before = status_;
    status_ = 0;
    auto session = call("login", args, /*quiet=*/true);
    const int status = status_;
    status_ = before;
    if (!session) {
      error("Could not login to " + node_label(node) + ".");
      error(last_error_);
      error("initiator reported error (" + std::to_string(status) + " - " +
            std::string(daemon::iscsi_err_text(status)) + ")");
      if (!first_error) first_error = status;
      continue;
    }
    out_ << "Login to " << node_label(node) << " successful." << std::endl;
    print_luns(out_, *session);
  }
  if (first_error) {
    error("Could not log into all portals");
    fail(first_error);
  }
  return status_;
}

int Adm::logout_sessions(const json::array& sessions, bool from_node_mode) {
  if (sessions.empty()) {
    error(from_node_mode ? "No matching sessions found" : "No active sessions.");
    fail(daemon::kErrNoObjectsFound);
    return status_;
  }
  int first_error = 0;
  for (const json::value& v : sessions) {
    const json::object& s = v.as_object();
    out_ << "Logging out of session " << session_label(s) << std::endl;
    const int before = status_;
    status_ = 0;
    auto result = call("logout", json::object{{"sid", s.at("sid")}}, /*quiet=*/true);
    const int status = status_;
    status_ = before;
    if (!result) {
      error("Could not logout of " + session_label(s) + ".");
      error("initiator reported error (" + std::to_string(status) + " - " +
            std::string(daemon::iscsi_err_text(status)) + ")");
      if (!first_error) first_error = status;
      continue;
    }
    out_ << "Logout of " << session_label(s) << " successful." << std::endl;
  }
  if (first_error) {
    error("Could not logout of all requested sessions");
    fail(first_error);
  }
  return status_;
}

int Adm::discovery() {
  const bool db_mode = c_.mode == Mode::discoverydb;
  if (!c_.address) {
    if (c_.type || c_.op != Op::none || c_.discover) {
      error("Discovery requires a portal (-p IP[:PORT])");
      fail(daemon::kErrInvalid);
      return status_;
    }
    auto result = call("discoveries", {});
    if (!result) return status_;
    for (const json::value& d : result->at("discoveries").as_array()) {
      out_ << d.at("address").as_string().c_str() << ":" << d.at("port").as_int64() << " via sendtargets\n";
    }
    return status_;
  }
  json::object portal{{"address", *c_.address}, {"port", c_.port.value_or(3260)}};
  if (c_.op != Op::none) {
    json::object args = portal;
    args["op"] = c_.op == Op::create ? "new" : c_.op == Op::remove ? "delete" : c_.op == Op::update ? "update" : "show";
    if (c_.name) args["name"] = *c_.name;
    if (c_.value) args["value"] = *c_.value;
    auto result = call("discoverydb", args);
    if (!result) return status_;
    if (c_.op == Op::show) print_record(out_, result->at("record").as_array(), c_.show_secrets);
    if (!db_mode || !c_.discover) return status_;
  } else if (db_mode && !c_.discover) {
    auto result = call("discoverydb", json::object{{"address", *c_.address}, {"port", c_.port.value_or(3260)}});
    if (result) print_record(out_, result->at("record").as_array(), c_.show_secrets);
    return status_;
  }
  if (!c_.type) {
    error("Discovery requires a type (-t st)");
    fail(daemon::kErrInvalid);
    return status_;
  }
  auto result = call("discover", portal, /*quiet=*/true);
  if (!result) {
    if (status_ == daemon::kErrDaemonNotConnected || status_ == daemon::kErrDaemonIo) return status_;
    error(last_error_);
    error("Could not perform SendTargets discovery: " + std::string(daemon::iscsi_err_text(status_)));
    return status_;
  }
  const json::array& targets = result->at("targets").as_array();
  for (const json::value& t : targets) out_ << node_line(t.as_object()) << '\n';
  if (targets.empty()) {
    error("No portals found");
    fail(daemon::kErrNoObjectsFound);
    return status_;
  }
  if (c_.login) {
    json::array nodes;
    for (const json::value& t : targets) nodes.push_back(t);
    return login_nodes(nodes);
  }
  return status_;
}

int Adm::node() {
  if (c_.login_all || c_.logout_all) {
    const std::string which = c_.login_all ? *c_.login_all : *c_.logout_all;
    auto nodes = nodes_matching({});
    if (!nodes) return status_;
    std::map<std::string, std::string> startup;  // "target address port" -> node.startup
    json::array selected;
    for (const json::value& v : *nodes) {
      const json::object& node = v.as_object();
      std::string value;
      for (const json::value& e : node.at("record").as_array()) {
        if (e.as_array().at(0).as_string() == "node.startup") value = e.as_array().at(1).as_string().c_str();
      }
      startup[node_line(node)] = value;
      if (value == "onboot") continue;  // iscsiadm leaves onboot nodes to the boot process
      if (which == "all" || value == which) selected.push_back(node);
    }
    if (c_.login_all) {
      if (selected.empty()) {
        error("No records found");
        fail(daemon::kErrNoObjectsFound);
        return status_;
      }
      return login_nodes(selected);
    }
    json::array sessions;
    for (const json::value& s : current_sessions()) {
      const auto it = startup.find(node_line(s.as_object()));
      const std::string value = it == startup.end() ? "" : it->second;
      if (value != "onboot" && (which == "all" || value == which)) sessions.push_back(s);
    }
    return logout_sessions(sessions, /*from_node_mode=*/true);
  }
  if (c_.login) {
    auto nodes = nodes_matching(node_filter());
    return nodes ? login_nodes(*nodes) : status_;
  }
  if (c_.logout) {
    json::array sessions;
    for (const json::value& s : current_sessions()) {
      const json::object& so = s.as_object();
      if (c_.target && so.at("target").as_string() != *c_.target) continue;
      if (c_.address && so.at("address").as_string() != *c_.address) continue;
      if (c_.port && so.at("port").as_int64() != *c_.port) continue;
      sessions.push_back(s);
    }
    return logout_sessions(sessions, /*from_node_mode=*/true);
  }
  switch (c_.op) {
    case Op::create: {
      if (!c_.target || !c_.address) {
        error("-o new needs -T TARGET and -p IP[:PORT]");
        fail(daemon::kErrInvalid);
        return status_;
      }
      json::object args = node_filter();
      if (!c_.port) args["port"] = 3260;
      auto node = call("node_new", args);
      if (node) {
        out_ << "New iSCSI node [tcp:[hw=,ip=,net_if=,iscsi_if=default] " << node->at("address").as_string().c_str()
             << "," << node->at("port").as_int64() << "," << node->at("tpgt").as_int64() << " "
             << node->at("target").as_string().c_str() << "] added\n";
      }
      return status_;
    }
    case Op::remove:
      call("node_delete", node_filter());
      return status_;
    case Op::update: {
      json::object args = node_filter();
      args["name"] = *c_.name;
      args["value"] = *c_.value;
      call("node_update", args);
      return status_;
    }
    case Op::show: {
      auto nodes = nodes_matching(node_filter());
      if (!nodes) return status_;
      for (const json::value& v : *nodes) print_record(out_, v.at("record").as_array(), c_.show_secrets);
      return status_;
    }
    case Op::none:
      break;
  }
  auto nodes = nodes_matching(node_filter());
  if (!nodes) return status_;
  if (c_.print_level >= 1) {
    print_node_tree(out_, *nodes);
  } else {
    for (const json::value& v : *nodes) out_ << node_line(v.as_object()) << '\n';
  }
  return status_;
}

int Adm::session() {
  json::object args;
  if (c_.sid) args["sid"] = *c_.sid;
  if (c_.logout) {
    json::array sessions;
    auto result = call("sessions", args, /*quiet=*/true);
    if (result) sessions = result->at("sessions").as_array();
    else if (status_ == daemon::kErrDaemonNotConnected || status_ == daemon::kErrDaemonIo) return status_;
    status_ = 0;
    return logout_sessions(sessions, /*from_node_mode=*/false);
  }
  auto result = call("sessions", args);
  if (!result) return status_;
  const json::array& sessions = result->at("sessions").as_array();
  if (c_.stats) {
    for (const json::value& s : sessions) print_stats(out_, s.as_object());
    return status_;
  }
  print_sessions(out_, sessions, c_.print_level < 0 ? 0 : c_.print_level);
  return status_;
}

int Adm::run() {
  switch (c_.mode) {
    case Mode::discovery:
    case Mode::discoverydb:
      return discovery();
    case Mode::node:
      return node();
    case Mode::session:
      return session();
    case Mode::none:
      break;
  }
  return daemon::kErrInvalid;
}

}  // namespace

int run_uiscsiadm(std::span<char*> args, std::string_view version, std::ostream& out, std::ostream& err) {
  const ParsedCommandLine parsed = parse_command_line(args);
  if (!parsed.command_line) {
    err << "uiscsiadm: " << parsed.error << "\nTry `uiscsiadm --help' for more information.\n";
    return daemon::kErrInvalid;
  }
  const CommandLine& c = *parsed.command_line;
  if (c.help) {
    out << help_text();
    return 0;
  }
  if (c.version) {
    out << "uiscsiadm version " << version << '\n';
    return 0;
  }
  return Adm(c, out, err).run();
}

}  // namespace uiscsi::initiator::adm
