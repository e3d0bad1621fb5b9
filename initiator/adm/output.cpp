#include "initiator/adm/output.h"

#include <boost/json/array.hpp>
#include <ostream>

#include "initiator/node_db/node_db.h"
#include "initiator/node_db/node_keys.h"

namespace uiscsi::initiator::adm {
namespace json = boost::json;
namespace {

std::string str(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return {};
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_int64()) return std::to_string(v->as_int64());
  if (v->is_uint64()) return std::to_string(v->as_uint64());
  return {};
}

const json::object& obj(const json::object& o, std::string_view key) {
  static const json::object empty;
  const auto* v = o.if_contains(key);
  return v && v->is_object() ? v->as_object() : empty;
}

std::string or_empty(std::string value) { return value.empty() ? "<empty>" : value; }

// "IP:PORT" with brackets around an IPv6 address.
std::string host_port(const std::string& host, const std::string& port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
}

std::string connection_state(const std::string& state) {
  if (state == "logged in" || state == "draining") return "LOGGED IN";
  if (state == "recovering") return "TRANSPORT WAIT";
  return "FAILED";
}

std::string session_state(const std::string& state) {
  if (state == "logged in" || state == "draining") return "LOGGED_IN";
  return "FAILED";
}

// iscsiadm's section heads: the title between two lines of stars as long as the title,
// except the LUN section, which has 24.
void banner(std::ostream& out, std::string_view title, std::size_t width = 0) {
  const std::string stars(width ? width : title.size(), '*');
  out << "\t\t" << stars << "\n\t\t" << title << "\n\t\t" << stars << '\n';
}

// The LUN's TCP export (uiscsid --nbd-listen) on a line of its own, "NBD TCP export URI",
// or why there is none; nothing without --nbd-listen. "TCP" keeps scripts that take the
// Unix URI from "NBD export URI" unaffected.
void print_tcp_export(std::ostream& out, const json::object& lun, const std::string& prefix, std::string_view suffix) {
  if (lun.contains("nbd_tcp")) out << prefix << "NBD TCP export " << str(lun, "nbd_tcp") << suffix << '\n';
  else if (lun.contains("nbd_tcp_error")) out << prefix << "No NBD TCP export: " << str(lun, "nbd_tcp_error") << '\n';
}

// One connection's data path: what was asked for, what is in use and why, its 4-tuple and
// its counters.
void print_data_path(std::ostream& out, const json::object& o, const json::object& c) {
  out << "\t\tRequested Path: " << str(o, "requested") << "\n\t\tPath In Use: " << str(o, "in_use") << '\n';
  out << "\t\tFallback Reason: " << or_empty(str(o, "fallback_reason")) << '\n';
  if (!str(o, "mode").empty()) out << "\t\tMode: " << str(o, "mode") << '\n';
  out << "\t\tLocal Address: " << str(o, "local") << "\n\t\tRemote Address: " << str(o, "remote") << '\n';
  for (const auto& [key, value] : c) out << "\t\t" << std::string_view(key) << ": " << str(c, key) << '\n';
}

}  // namespace

std::string node_label(const json::object& node) {
  return "[iface: default, target: " + str(node, "target") + ", portal: " + str(node, "address") + "," +
         str(node, "port") + "]";
}

std::string node_line(const json::object& node) {
  return host_port(str(node, "address"), str(node, "port")) + "," + str(node, "tpgt") + " " + str(node, "target");
}

std::string session_label(const json::object& session) {
  return "[sid: " + str(session, "sid") + ", target: " + str(session, "target") + ", portal: " +
         str(session, "address") + "," + str(session, "port") + "]";
}

void print_record(std::ostream& out, const json::array& record, bool show_secrets) {
  out << "# BEGIN RECORD " << node_db::kRecordVersion << '\n';
  for (const json::value& entry : record) {
    const json::array& pair = entry.as_array();
    const std::string key(pair.at(0).as_string());
    std::string value(pair.at(1).as_string());
    if (!show_secrets && !value.empty() && node_db::is_secret_key(key)) value = "********";
    out << key << " = " << or_empty(value) << '\n';
  }
  out << "# END RECORD\n";
}

void print_node_tree(std::ostream& out, const json::array& nodes) {
  std::string last;
  for (const json::value& v : nodes) {
    const json::object& node = v.as_object();
    if (str(node, "target") != last) {
      last = str(node, "target");
      out << "Target: " << last << '\n';
    }
    out << "\tPortal: " << host_port(str(node, "address"), str(node, "port")) << "," << str(node, "tpgt") << '\n';
    out << "\t\tIface Name: default\n";
  }
}

void print_sessions(std::ostream& out, const json::array& sessions, int level) {
  if (level <= 0) {
    for (const json::value& v : sessions) {
      const json::object& s = v.as_object();
      out << "tcp: [" << str(s, "sid") << "] " << host_port(str(s, "address"), str(s, "port")) << ","
          << str(s, "tpgt") << " " << str(s, "target") << " (non-flash)\n";
    }
    return;
  }
  std::string last_target;
  for (const json::value& v : sessions) {
    const json::object& s = v.as_object();
    if (str(s, "target") != last_target) {
      last_target = str(s, "target");
      out << "Target: " << last_target << " (non-flash)\n";
    }
    const std::string tpgt = str(s, "tpgt");
    out << "\tCurrent Portal: " << host_port(str(s, "current_address"), str(s, "current_port")) << "," << tpgt << '\n';
    out << "\tPersistent Portal: " << host_port(str(s, "address"), str(s, "port")) << "," << tpgt << '\n';
    banner(out, "Interface:");
    out << "\t\tIface Name: default\n\t\tIface Transport: tcp\n";
    out << "\t\tIface Initiatorname: " << str(s, "initiator_name") << '\n';
    out << "\t\tIface IPaddress: " << or_empty(str(s, "iface_address")) << '\n';
    out << "\t\tIface HWaddress: default\n\t\tIface Netdev: default\n";
    out << "\t\tSID: " << str(s, "sid") << '\n';
    out << "\t\tiSCSI Connection State: " << connection_state(str(s, "state")) << '\n';
    out << "\t\tiSCSI Session State: " << session_state(str(s, "state")) << '\n';
    out << "\t\tInternal iscsid Session State: NO CHANGE\n";
    if (level < 2) continue;
    const json::object& t = obj(s, "timeouts");
    banner(out, "Timeouts:");
    out << "\t\tRecovery Timeout: " << str(t, "recovery") << "\n\t\tTarget Reset Timeout: " << str(t, "target_reset")
        << "\n\t\tLUN Reset Timeout: " << str(t, "lun_reset") << "\n\t\tAbort Timeout: " << str(t, "abort") << '\n';
    const json::object& chap = obj(s, "chap");
    banner(out, "CHAP:");
    out << "\t\tusername: " << or_empty(str(chap, "username")) << "\n\t\tpassword: ********\n"
        << "\t\tusername_in: " << or_empty(str(chap, "username_in")) << "\n\t\tpassword_in: ********\n";
    const json::object& p = obj(s, "params");
    banner(out, "Negotiated iSCSI params:");
    for (const char* key : {"HeaderDigest", "DataDigest", "MaxRecvDataSegmentLength", "MaxXmitDataSegmentLength",
                            "FirstBurstLength", "MaxBurstLength", "ImmediateData", "InitialR2T", "MaxOutstandingR2T"}) {
      out << "\t\t" << key << ": " << str(p, key) << '\n';
    }
    if (level < 3) continue;
    banner(out, "Data path:");
    print_data_path(out, obj(s, "offload"), obj(s, "counters"));
    // MC/S: the session's further connections, each with its own path and counters.
    if (const auto* connections = s.if_contains("connections"); connections && connections->is_array()) {
      for (const json::value& cv : connections->as_array()) {
        const json::object& conn = cv.as_object();
        if (str(conn, "cid") == "0") continue;  // the leading connection, shown above
        banner(out, "Data path of connection " + str(conn, "cid") + ":");
        print_data_path(out, obj(conn, "offload"), obj(conn, "counters"));
      }
    }
    banner(out, "Attached SCSI devices:", 24);
    const auto* luns = s.if_contains("luns");
    if (!luns || !luns->is_array()) continue;
    for (const json::value& l : luns->as_array()) {
      const json::object& lun = l.as_object();
      out << "\t\tLun: " << str(lun, "lun");
      if (!lun.contains("size")) {
        out << "\tState: not exported (" << str(lun, "error") << ")\n";
        continue;
      }
      out << "\tSize: " << str(lun, "size") << "\tBlock Size: " << str(lun, "block_size") << "\tVendor: "
          << str(lun, "vendor") << "\tProduct: " << str(lun, "product") << '\n';
      if (!lun.contains("nbd")) {
        out << "\t\t\tNot exported: " << str(lun, "error") << '\n';
        continue;
      }
      out << "\t\t\tAttached NBD export " << str(lun, "nbd") << "\t\tState: running\n";
      print_tcp_export(out, lun, "\t\t\t", "\t\tState: running");
      // As iscsiadm's "Attached scsi disk sdb\t\tState: running": the name without /dev/.
      const std::string device = str(lun, "kernel_device");
      if (!device.empty()) out << "\t\t\tAttached NBD disk " << device.substr(device.rfind('/') + 1) << "\t\tState: running\n";
      else out << "\t\t\tNo NBD disk attached: " << str(lun, "kernel_device_error") << '\n';
    }
  }
}

void print_stats(std::ostream& out, const json::object& s) {
  const json::object& c = obj(s, "counters");
  const json::object& r = obj(s, "recovery");
  out << "Stats for session " << session_label(s) << '\n';
  out << "iSCSI SNMP:\n";
  out << "\ttxdata_octets: " << str(c, "bytes_sent") << "\n\trxdata_octets: " << str(c, "bytes_received") << '\n';
  out << "\ttx_pdus: " << str(c, "pdus_sent") << "\n\trx_pdus: " << str(c, "pdus_received") << '\n';
  out << "\tdigest_err: " << str(c, "digest_errors") << "\n\ttimeout_err: " << str(r, "command_timeouts") << '\n';
  out << "iSCSI Extended:\n";
  for (const char* key : {"bytes_placed", "bytes_copied", "bytes_owned", "placement_hits", "placement_misses",
                          "zerocopy_sends"}) {
    out << '\t' << key << ": " << str(c, key) << '\n';
  }
  out << "\teh_abort_cnt: " << str(r, "aborts") << '\n';
  for (const char* key : {"lun_resets", "connection_failures", "reinstatements", "retried_commands", "nop_timeouts"}) {
    out << '\t' << key << ": " << str(r, key) << '\n';
  }
}

void print_luns(std::ostream& out, const json::object& s) {
  const auto* luns = s.if_contains("luns");
  if (!luns || !luns->is_array()) return;
  for (const json::value& l : luns->as_array()) {
    const json::object& lun = l.as_object();
    out << "LUN " << str(lun, "lun") << ": ";
    if (lun.contains("size")) out << str(lun, "size") << " bytes, block size " << str(lun, "block_size") << ", ";
    if (!lun.contains("nbd")) {
      out << "not exported (" << str(lun, "error") << ")\n";
      continue;
    }
    out << "NBD export " << str(lun, "nbd") << '\n';
    print_tcp_export(out, lun, "LUN " + str(lun, "lun") + ": ", "");
    // The kernel's disk on that export, on a line of its own (scripts take the URI from
    // the line above with "NBD export URI").
    out << "LUN " << str(lun, "lun") << ": ";
    if (lun.contains("kernel_device")) out << "Attached NBD disk " << str(lun, "kernel_device") << " on " << str(lun, "nbd") << '\n';
    else out << "No NBD disk attached: " << str(lun, "kernel_device_error") << '\n';
  }
}

}  // namespace uiscsi::initiator::adm
