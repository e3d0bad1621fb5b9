// uiscsid's state and its control commands: the node database, the sessions (each on one
// of the worker io_contexts) and the block devices of their LUNs.
//
// Commands (Request::command, with Request::args; results are plain JSON data that
// uiscsiadm formats, see tools/uiscsiadm):
//   discover       {address, port}                SendTargets with the st_config record;
//                                                 records the nodes found
//   discoverydb    {address, port, op, name, value}  op: new | show | update | delete
//   discoveries    {}                             every discovery record
//   nodes          {target?, address?, port?}     matching node records
//   node_new       {target, address, port}
//   node_update    {target?, address?, port?, name, value}
//   node_delete    {target?, address?, port?}
//   login          {target, address, port, tpgt}  one node; its LUNs are exported over
//                                                 NBD (a Unix socket, and TCP with
//                                                 nbd_listen) and attached as /dev/nbdN
//                                                 (KernelNbd)
//   logout         {sid}
//   sessions       {sid?}                         everything -P 3 and --stats show
//
// Threading: handle(), restore_automatic() and shutdown() run on the control io_context;
// a session and its devices are only touched on their worker's io_context (co_spawn there).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <string>

#include "initiator/daemon/protocol.h"
#include "initiator/daemon/workers.h"
#include "initiator/node_db/node_db.h"

namespace boost::asio {
class io_context;
}

namespace uiscsi::initiator::daemon {

// Whether a login attaches /dev/nbdN on each exported LUN (uiscsid --kernel-nbd).
enum class KernelNbd {
  automatic,  // where the kernel has nbd and we have CAP_SYS_ADMIN; else say why
  off,        // only the NBD export
};

struct DaemonOptions {
  std::filesystem::path db;        // the node database root
  std::filesystem::path run_dir;   // where per-LUN sockets go
  std::string initiator_name;
  unsigned threads = 0;            // 0: one per core
  KernelNbd kernel_nbd = KernelNbd::automatic;
  // uiscsid --nbd-listen: each LUN is also exported over TCP on this address (free port);
  // empty: the Unix socket only. With a certificate and key, that TCP export requires TLS.
  std::string nbd_listen;
  std::string nbd_tls_certificate, nbd_tls_key;
};

struct SessionEntry;

class Initiatord {
 public:
  Initiatord(boost::asio::io_context& control, DaemonOptions options, std::ostream& log);
  ~Initiatord();
  Initiatord(const Initiatord&) = delete;
  Initiatord& operator=(const Initiatord&) = delete;

  boost::asio::awaitable<Response> handle(Request request);
  // Logs in every node with node.startup = automatic; each outcome goes to the log.
  boost::asio::awaitable<void> restore_automatic();
  // Logs every session out (closing those that do not answer) and stops the workers.
  boost::asio::awaitable<void> shutdown();

 private:
  boost::asio::awaitable<Response> discover(const boost::json::object& args);
  Response discoverydb(const boost::json::object& args);
  Response discoveries();
  Response nodes(const boost::json::object& args);
  Response node_new(const boost::json::object& args);
  Response node_update(const boost::json::object& args);
  Response node_delete(const boost::json::object& args);
  boost::asio::awaitable<Response> login(const boost::json::object& args);
  boost::asio::awaitable<Response> login_node(node_db::NodeKey key);
  boost::asio::awaitable<Response> logout(const boost::json::object& args);
  boost::asio::awaitable<Response> sessions(const boost::json::object& args);

  // The nodes the filter arguments (target, address, port) match; all of them without any.
  std::vector<node_db::NodeKey> matching_nodes(const boost::json::object& args, std::string& error) const;

  boost::asio::io_context& control_;
  DaemonOptions options_;
  std::ostream& log_;
  node_db::NodeDb db_;
  Workers workers_;
  std::map<int, std::shared_ptr<SessionEntry>> sessions_;
  std::set<std::string> logins_in_progress_;  // node directories being logged in
  int next_sid_ = 1;
};

}  // namespace uiscsi::initiator::daemon
