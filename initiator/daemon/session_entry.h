// One logged-in session of the daemon and the LUNs opened on it (detail of initiatord).
//
// Ownership and threads: the entry is shared between the control thread (which keeps it
// in the session table) and its worker io_context; `session` and `luns` are created,
// used and destroyed only on the worker (`io`), the other fields are fixed at login.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "initiator/block_device.h"
#include "initiator/nbd/server.h"
#include "initiator/node_db/node_db.h"
#include "initiator/session.h"

namespace uiscsi::initiator::daemon {

// A LUN opened as a block device and exported over NBD on its own Unix socket
// (RUN_DIR/sid<SID>-lun<LUN>.nbd, default export ""), and with uiscsid --nbd-listen also
// on TCP by a second server (its own port, and TLS when asked, which the kernel's client
// on the Unix socket cannot speak).
struct LunExport {
  std::uint16_t lun = 0;
  std::unique_ptr<BlockDevice> device;  // null when the LUN could not be opened as a disk
  std::string error;                    // why `device` is null, or why it is not exported
  // Declared after `device`: destroyed (and stopped) before it.
  std::unique_ptr<nbd::Server> nbd;
  std::string nbd_uri;
  std::filesystem::path nbd_socket;
  std::unique_ptr<nbd::Server> nbd_tcp;  // null without --nbd-listen or when it failed
  std::string nbd_tcp_uri;               // nbd://ADDR:PORT/ or nbds://
  std::string nbd_tcp_error;             // why there is no TCP export despite --nbd-listen
  // /dev/nbd<kernel_device> attached on the export through the kernel's NBD client, or -1
  // with `kernel_device_error` saying why not (no nbd module, no CAP_SYS_ADMIN, turned off).
  int kernel_device = -1;
  unsigned kernel_connections = 0;  // the sockets it got (several with CAN_MULTI_CONN)
  std::string kernel_device_error;
};

struct SessionEntry {
  int sid = 0;
  node_db::NodeKey node;
  boost::asio::io_context* io = nullptr;
  std::string initiator_name;
  std::string chap_user, chap_user_in;  // shown by -P 2 (the secrets never leave the record)
  std::chrono::seconds replacement_timeout{0}, abort_timeout{0}, lu_reset_timeout{0}, tgt_reset_timeout{0};

  // Worker thread only. Destroyed before `session` (a device must not outlive it).
  std::unique_ptr<Session> session;
  std::vector<LunExport> luns;
};

}  // namespace uiscsi::initiator::daemon
