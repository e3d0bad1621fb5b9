// Initiatord: logging in and out, and what -m session shows.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/array.hpp>
#include <algorithm>
#include <thread>

#include "initiator/daemon/initiatord.h"
#include "initiator/daemon/iscsi_err.h"
#include "initiator/daemon/session_entry.h"
#include "initiator/isid.h"
#include "initiator/nbd/kernel_device.h"
#include "initiator/node_db/node_keys.h"
#include "initiator/node_db/session_settings.h"
#include "initiator/scsi_queries.h"

namespace uiscsi::initiator::daemon {
namespace asio = boost::asio;
namespace json = boost::json;
using node_db::NodeKey;

namespace {

struct Opened {
  std::error_code ec;
  std::string error;
};

std::string node_label(const NodeKey& key) {
  return "[iface: default, target: " + key.target + ", portal: " + key.portal.host + "," +
         std::to_string(key.portal.port) + "]";
}

// The NBD servers of one LUN need their address, TLS pair and export description.
struct ExportPlan {
  std::filesystem::path socket;
  std::string description;
  std::string tcp_address;  // empty: no TCP export
  std::string tls_certificate, tls_key;
};

// On the entry's worker: an NBD server exporting the LUN's device, listening where
// `listen` says; null with `error` set when it cannot.
template <typename Listen>
asio::awaitable<std::unique_ptr<nbd::Server>> serve_lun(asio::io_context& io, LunExport& lun,
                                                        const std::string& description, Listen listen,
                                                        std::string& error) {
  auto server = std::make_unique<nbd::Server>(io);
  nbd::ExportOptions options;
  options.description = description;
  std::error_code ec = co_await server->add_export("", *lun.device, options);
  if (!ec) ec = listen(*server, error);
  if (ec) {
    if (error.empty()) error = ec.message();
    co_await server->stop();
    co_return nullptr;
  }
  co_return server;
}

// On the entry's worker: the LUN's NBD export on its Unix socket and, with a TCP address,
// on TCP at a free port as well. A failed TCP export leaves the Unix one in place.
asio::awaitable<void> export_lun(asio::io_context& io, LunExport& lun, ExportPlan plan) {
  std::string error;
  const std::string socket = plan.socket.string();
  lun.nbd = co_await serve_lun(
      io, lun, plan.description, [&](nbd::Server& s, std::string&) { return s.listen_unix(socket); }, error);
  if (!lun.nbd) {
    lun.error = "NBD export on " + socket + ": " + error;
    co_return;
  }
  lun.nbd_uri = lun.nbd->uri("");
  lun.nbd_socket = std::move(plan.socket);
  if (plan.tcp_address.empty()) co_return;
  lun.nbd_tcp = co_await serve_lun(
      io, lun, plan.description,
      [&](nbd::Server& s, std::string& why) {
        if (!plan.tls_certificate.empty())
          if (auto ec = s.use_tls(plan.tls_certificate, plan.tls_key, why)) return ec;
        return s.listen_tcp(plan.tcp_address, 0);
      },
      error);
  if (lun.nbd_tcp) lun.nbd_tcp_uri = lun.nbd_tcp->uri("");
  else lun.nbd_tcp_error = "NBD export on TCP " + plan.tcp_address + ": " + error;
}

// On the entry's worker: /dev/nbdN on an exported LUN through the kernel's NBD client, as
// open-iscsi gives every LUN its sdX; where that cannot be, the reason is kept for
// uiscsiadm instead (the Unix-socket export stays usable either way). The kernel's
// request timeout is left unset (0): the kernel then only warns about slow requests, and
// the session's replacement_timeout alone decides when I/O fails.
// How many sockets the kernel gets: its NBD client makes one blk-mq hardware queue per
// socket, so with CAN_MULTI_CONN (which our exports offer: one LUN, one cache) requests
// from several CPUs go out and complete in parallel instead of through one socket's lock.
// One per core, at most 4: beyond that the one iSCSI session's command window is the limit.
unsigned kernel_connections() { return std::clamp(std::thread::hardware_concurrency(), 1u, 4u); }

asio::awaitable<void> attach_lun(LunExport& lun, KernelNbd mode) {
  if (mode == KernelNbd::off) {
    lun.kernel_device_error = "turned off (uiscsid --kernel-nbd off)";
    co_return;
  }
  if (std::string why = nbd::kernel_device_unavailable(); !why.empty()) {
    lun.kernel_device_error = std::move(why);
    co_return;
  }
  const nbd::KernelDevice device =
      co_await nbd::attach_kernel_device(lun.nbd_socket.string(), "", -1, kernel_connections());
  if (device.ec) {
    lun.kernel_device_error = device.error + ": " + device.ec.message();
    co_return;
  }
  lun.kernel_device = device.index;
  lun.kernel_connections = device.connections;
}

// On the entry's worker: log in, then open every LUN REPORT LUNS lists as a block device,
// export it over NBD and attach /dev/nbdN on the export.
asio::awaitable<Opened> open_on_worker(std::shared_ptr<SessionEntry> entry, node_db::SessionSettings settings,
                                       DaemonOptions options) {
  asio::io_context& io = *entry->io;
  Connector connector = make_connector(io, offload::Registry::with_builtin_paths(), settings.policy);
  SessionOpen opened = co_await Session::open(io, std::move(settings.config), std::move(connector));
  if (!opened.session) co_return Opened{opened.ec, opened.error};
  entry->session = std::move(opened.session);
  const auto luns = co_await report_luns(*entry->session);
  if (luns.ec) co_return Opened{};  // a session without LUNs is still a session
  for (const std::uint16_t lun : luns.value) {
    BlockDeviceOpen device = co_await BlockDevice::open(*entry->session, lun);
    LunExport exported;
    exported.lun = lun;
    exported.device = std::move(device.device);
    exported.error = device.error;
    if (exported.device) {
      ExportPlan plan{options.run_dir / ("sid" + std::to_string(entry->sid) + "-lun" + std::to_string(lun) + ".nbd"),
                      entry->node.target + " LUN " + std::to_string(lun), options.nbd_listen,
                      options.nbd_tls_certificate, options.nbd_tls_key};
      co_await export_lun(io, exported, std::move(plan));
      if (exported.nbd) co_await attach_lun(exported, options.kernel_nbd);
    }
    entry->luns.push_back(std::move(exported));
  }
  co_return Opened{};
}

struct Closed {
  std::error_code ec;          // of the Logout
  std::vector<std::string> warnings;  // devices that did not detach cleanly
};

// On the entry's worker: log out (or just close after a failed logout) and free it all.
asio::awaitable<Closed> close_on_worker(std::shared_ptr<SessionEntry> entry) {
  Closed closed;
  // The kernel's devices first (they are clients of the exports), then the other NBD
  // clients: their requests in flight end before the session goes.
  for (LunExport& lun : entry->luns) {
    if (lun.kernel_device < 0) continue;
    if (const std::error_code ec = co_await nbd::detach_kernel_device(lun.kernel_device)) {
      closed.warnings.push_back("detaching /dev/nbd" + std::to_string(lun.kernel_device) + ": " + ec.message());
    }
    lun.kernel_device = -1;
  }
  for (LunExport& lun : entry->luns) {
    if (lun.nbd_tcp) co_await lun.nbd_tcp->stop();
    if (!lun.nbd) continue;
    co_await lun.nbd->stop();
    std::error_code fs_ec;
    std::filesystem::remove(lun.nbd_socket, fs_ec);
  }
  if (entry->session) closed.ec = co_await entry->session->logout();
  entry->luns.clear();
  entry->session.reset();
  co_return closed;
}

std::string_view yes_no(bool value) { return value ? "Yes" : "No"; }

std::string_view digest_name(iscsi::DigestType digest) {
  return digest == iscsi::DigestType::crc32c ? "CRC32C" : "None";
}

std::string host_of(const offload::SocketAddress& address) {
  std::string text = address.to_string();
  const auto colon = text.rfind(':');
  if (!address.is_ip() || colon == std::string::npos) return text;
  text.resize(colon);
  if (text.size() >= 2 && text.front() == '[') text = text.substr(1, text.size() - 2);
  return text;
}

json::object offload_json(const offload::PathInfo& path, const offload::SocketAddress& local,
                          const offload::SocketAddress& remote) {
  return json::object{{"requested", offload::name(path.requested)},
                      {"in_use", offload::name(path.in_use)},
                      {"fallback_reason", path.fallback_reason},
                      {"mode", path.mode},
                      {"local", local.to_string()},
                      {"remote", remote.to_string()}};
}

json::object counters_json(const offload::Counters& n) {
  return json::object{{"bytes_sent", n.bytes_sent},
                      {"bytes_received", n.bytes_received},
                      {"pdus_sent", n.pdus_sent},
                      {"pdus_received", n.pdus_received},
                      {"bytes_placed", n.bytes_placed},
                      {"bytes_copied", n.bytes_copied},
                      {"bytes_owned", n.bytes_owned},
                      {"placement_hits", n.placement_hits},
                      {"placement_misses", n.placement_misses},
                      {"digest_errors", n.digest_errors},
                      {"zerocopy_sends", n.zerocopy_sends},
                      {"bytes_sendfile", n.bytes_sendfile},
                      {"bytes_file_read", n.bytes_file_read}};
}

// On the entry's worker: everything -m session -P 3 and --stats print.
asio::awaitable<json::object> describe_on_worker(std::shared_ptr<SessionEntry> entry) {
  json::object out{{"sid", entry->sid},
                   {"target", entry->node.target},
                   {"address", entry->node.portal.host},
                   {"port", entry->node.portal.port},
                   {"tpgt", entry->node.tpgt},
                   {"initiator_name", entry->initiator_name}};
  if (!entry->session) {
    out["state"] = "closed";
    co_return out;
  }
  const SessionInfo info = entry->session->info();
  const iscsi::SessionParams& s = info.params.session;
  const iscsi::ConnectionParams& c = info.params.connection;
  if (s.target_portal_group_tag) out["tpgt"] = *s.target_portal_group_tag;
  out["state"] = to_string(info.state);  // "logged in", "recovering", ... (initiator/session.h)
  out["current_address"] = info.portal.host;
  out["current_port"] = info.portal.port;
  out["isid"] = format_isid(info.isid);
  out["tsih"] = info.tsih;
  out["iface_address"] = host_of(info.local);
  out["last_error"] = info.last_error;
  out["params"] = json::object{{"HeaderDigest", digest_name(c.header_digest)},
                               {"DataDigest", digest_name(c.data_digest)},
                               {"MaxRecvDataSegmentLength", c.max_recv_data_segment_length},
                               {"MaxXmitDataSegmentLength", c.max_send_data_segment_length},
                               {"FirstBurstLength", s.first_burst_length},
                               {"MaxBurstLength", s.max_burst_length},
                               {"ImmediateData", yes_no(s.immediate_data)},
                               {"InitialR2T", yes_no(s.initial_r2t)},
                               {"MaxOutstandingR2T", s.max_outstanding_r2t},
                               {"MaxConnections", s.max_connections},
                               {"AuthMethod", c.auth_method == iscsi::AuthMethod::chap ? "CHAP" : "None"}};
  out["timeouts"] = json::object{{"recovery", entry->replacement_timeout.count()},
                                 {"target_reset", entry->tgt_reset_timeout.count()},
                                 {"lun_reset", entry->lu_reset_timeout.count()},
                                 {"abort", entry->abort_timeout.count()}};
  out["chap"] = json::object{{"username", entry->chap_user}, {"username_in", entry->chap_user_in}};
  out["offload"] = offload_json(info.path, info.local, info.remote);
  out["counters"] = counters_json(info.counters);
  // MC/S: every connection of the session, the leading one (above) first.
  json::array connections;
  for (const ConnectionInfo& ci : info.connections) {
    connections.push_back(json::object{{"cid", ci.cid},
                                       {"offload", offload_json(ci.path, ci.local, ci.remote)},
                                       {"counters", counters_json(ci.counters)}});
  }
  out["connections"] = std::move(connections);
  const RecoveryStats& r = info.recovery;
  out["recovery"] = json::object{{"command_timeouts", r.command_timeouts},
                                 {"aborts", r.aborts},
                                 {"lun_resets", r.lun_resets},
                                 {"connection_failures", r.connection_failures},
                                 {"reinstatements", r.reinstatements},
                                 {"retried_commands", r.retried_commands},
                                 {"nop_timeouts", r.nop_timeouts}};
  json::array luns;
  for (const LunExport& lun : entry->luns) {
    json::object item{{"lun", lun.lun}};
    if (lun.device) {
      const BlockDevice& d = *lun.device;
      item["vendor"] = d.identity().vendor;
      item["product"] = d.identity().product;
      item["size"] = d.geometry().size();
      item["block_size"] = d.geometry().block_size;
      if (lun.nbd) {
        item["nbd"] = lun.nbd_uri;
        if (lun.nbd_tcp) item["nbd_tcp"] = lun.nbd_tcp_uri;
        else if (!lun.nbd_tcp_error.empty()) item["nbd_tcp_error"] = lun.nbd_tcp_error;
        if (lun.kernel_device >= 0) {
          item["kernel_device"] = "/dev/nbd" + std::to_string(lun.kernel_device);
          item["kernel_connections"] = lun.kernel_connections;
        } else {
          item["kernel_device_error"] = lun.kernel_device_error;
        }
      } else {
        item["error"] = lun.error;
      }
    } else {
      item["error"] = lun.error;
    }
    luns.push_back(std::move(item));
  }
  out["luns"] = std::move(luns);
  co_return out;
}

// The /dev/nbdN of each LUN a login attached, or why none was.
void log_kernel_devices(std::ostream& log, int sid, const json::object& described) {
  const auto* luns = described.if_contains("luns");
  if (!luns || !luns->is_array()) return;
  for (const json::value& v : luns->as_array()) {
    const json::object& lun = v.as_object();
    const std::string prefix = "uiscsid: session " + std::to_string(sid) + " LUN " + std::to_string(lun.at("lun").to_number<int>());
    if (const auto* device = lun.if_contains("kernel_device")) {
      log << prefix << ": attached " << device->as_string().c_str() << " ("
          << lun.at("kernel_connections").to_number<unsigned>() << " connections)\n";
    } else if (const auto* why = lun.if_contains("kernel_device_error")) {
      log << prefix << ": no /dev/nbdN: " << why->as_string().c_str() << '\n';
    }
  }
}

void log_closed(std::ostream& log, int sid, const NodeKey& node, const Closed& closed) {
  for (const std::string& warning : closed.warnings) log << "uiscsid: session " << sid << ": " << warning << '\n';
  log << "uiscsid: session " << sid << ": logged out of " << node_label(node)
      << (closed.ec ? " (" + closed.ec.message() + ")" : "") << '\n';
}

}  // namespace

asio::awaitable<Response> Initiatord::login(const json::object& args) {
  const auto target = string_arg(args, "target");
  const auto address = string_arg(args, "address");
  const auto port = int_arg(args, "port");
  const auto tpgt = int_arg(args, "tpgt");
  if (!target || !address || !port || !tpgt || *port <= 0 || *port > 65535) {
    co_return Response::failure(kErrInvalid, "login needs target, address, port and tpgt");
  }
  // A named key: GCC 12 destroys a temporary passed to a coroutine inside co_await twice.
  const NodeKey key{*target, Portal{*address, static_cast<std::uint16_t>(*port)}, static_cast<std::int32_t>(*tpgt)};
  Response response = co_await login_node(key);
  co_return response;
}

asio::awaitable<Response> Initiatord::login_node(NodeKey key) {
  std::string error;
  auto record = db_.read_node(key, error);
  if (!record) {
    co_return Response::failure(error.empty() ? kErrNoObjectsFound : kErrDatabase,
                                error.empty() ? "No records found" : error);
  }
  node_db::complete_node_record(*record);
  for (const auto& [sid, entry] : sessions_) {
    if (entry->node == key) {
      co_return Response::failure(kErrSessionExists, "default: 1 session requested, but 1 already present.");
    }
  }
  const std::string directory = db_.node_directory(key).string();
  if (logins_in_progress_.count(directory)) {
    co_return Response::failure(kErrSessionExists, "default: a login to " + node_label(key) + " is in progress.");
  }
  auto settings = node_db::node_session_settings(*record, options_.initiator_name);
  if (!settings.settings) co_return Response::failure(kErrInvalid, settings.error);

  auto entry = std::make_shared<SessionEntry>();
  entry->node = key;
  entry->io = &workers_.pick();
  entry->initiator_name = settings.settings->config.initiator_name;
  if (settings.settings->config.chap) {
    entry->chap_user = settings.settings->config.chap->user;
    entry->chap_user_in = settings.settings->config.chap->target_user;
  }
  const auto seconds = [&](std::string_view name) { return std::chrono::seconds(std::stoll(record->get(name, "0"))); };
  entry->replacement_timeout = seconds("node.session.timeo.replacement_timeout");
  entry->abort_timeout = seconds("node.session.err_timeo.abort_timeout");
  entry->lu_reset_timeout = seconds("node.session.err_timeo.lu_reset_timeout");
  entry->tgt_reset_timeout = seconds("node.session.err_timeo.tgt_reset_timeout");

  // The SID is taken now: it names the LUNs' sockets. A failed login leaves a gap, as
  // the kernel's session numbers do.
  entry->sid = next_sid_++;
  logins_in_progress_.insert(directory);
  const Opened opened = co_await asio::co_spawn(
      *entry->io, open_on_worker(entry, std::move(*settings.settings), options_),
      asio::use_awaitable);
  logins_in_progress_.erase(directory);
  if (opened.ec) {
    // Free what the failed login left on its own thread.
    co_await asio::co_spawn(*entry->io, close_on_worker(entry), asio::use_awaitable);
    log_ << "uiscsid: login to " << node_label(key) << " failed: " << opened.error << '\n';
    co_return Response::failure(login_error_status(opened.ec), opened.error);
  }
  sessions_.emplace(entry->sid, entry);
  log_ << "uiscsid: session " << entry->sid << ": logged in to " << node_label(key) << '\n';
  json::object described = co_await asio::co_spawn(*entry->io, describe_on_worker(entry), asio::use_awaitable);
  log_kernel_devices(log_, entry->sid, described);
  co_return Response::success(std::move(described));
}

asio::awaitable<Response> Initiatord::logout(const json::object& args) {
  const auto sid = int_arg(args, "sid");
  if (!sid) co_return Response::failure(kErrInvalid, "logout needs a sid");
  const auto it = sessions_.find(static_cast<int>(*sid));
  if (it == sessions_.end()) co_return Response::failure(kErrSessionNotFound, "session not found");
  std::shared_ptr<SessionEntry> entry = it->second;
  sessions_.erase(it);
  const Closed closed = co_await asio::co_spawn(*entry->io, close_on_worker(entry), asio::use_awaitable);
  log_closed(log_, entry->sid, entry->node, closed);
  // The session is gone either way: a failed Logout Response still ends it (closed).
  if (closed.ec) co_return Response::failure(kErrLogout, closed.ec.message());
  co_return Response::success(json::object{{"sid", entry->sid}});
}

asio::awaitable<Response> Initiatord::sessions(const json::object& args) {
  const auto sid = int_arg(args, "sid");
  json::array list;
  // Copy the table: a login or logout may change it while we wait on a worker.
  const auto table = sessions_;
  for (const auto& [id, entry] : table) {
    if (sid && id != *sid) continue;
    list.push_back(co_await asio::co_spawn(*entry->io, describe_on_worker(entry), asio::use_awaitable));
  }
  if (list.empty()) {
    co_return sid ? Response::failure(kErrSessionNotFound, "session not found")
                  : Response::failure(kErrNoObjectsFound, "No active sessions.");
  }
  co_return Response::success(json::object{{"sessions", std::move(list)}});
}

asio::awaitable<void> Initiatord::restore_automatic() {
  std::string error;
  for (const NodeKey& key : matching_nodes(json::object{}, error)) {
    auto record = db_.read_node(key, error);
    if (!record || record->get("node.startup") != "automatic") continue;
    const Response r = co_await login_node(key);
    if (r.ok) {
      log_ << "uiscsid: restored automatic node " << node_label(key) << '\n';
    } else {
      log_ << "uiscsid: could not restore automatic node " << node_label(key) << ": " << r.error << " ("
           << r.status << " - " << iscsi_err_text(r.status) << ")\n";
    }
  }
}

asio::awaitable<void> Initiatord::shutdown() {
  auto table = std::move(sessions_);
  sessions_.clear();
  for (auto& [sid, entry] : table) {
    const Closed closed = co_await asio::co_spawn(*entry->io, close_on_worker(entry), asio::use_awaitable);
    log_closed(log_, sid, entry->node, closed);
  }
  workers_.stop();
}

}  // namespace uiscsi::initiator::daemon
