// How uiscsiadm prints what uiscsid answers, line for line as iscsiadm does.
#pragma once

#include <boost/json/object.hpp>
#include <iosfwd>
#include <string>

namespace uiscsi::initiator::adm {

// "[iface: default, target: IQN, portal: IP,PORT]"
std::string node_label(const boost::json::object& node);
// "IP:PORT,TPGT IQN" ("[V6]:PORT,TPGT IQN").
std::string node_line(const boost::json::object& node);
// "[sid: N, target: IQN, portal: IP,PORT]"
std::string session_label(const boost::json::object& session);

// A record as "-o show" prints it, secrets masked unless `show_secrets`.
void print_record(std::ostream& out, const boost::json::array& record, bool show_secrets);
// -m node -P 1: the tree of targets and their portals.
void print_node_tree(std::ostream& out, const boost::json::array& nodes);
// -m session -P level, level 0 to 3.
void print_sessions(std::ostream& out, const boost::json::array& sessions, int level);
// -m session --stats.
void print_stats(std::ostream& out, const boost::json::object& session);
// After a login: one line per LUN with its size and export.
void print_luns(std::ostream& out, const boost::json::object& session);

}  // namespace uiscsi::initiator::adm
