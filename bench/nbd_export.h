// The NBD exports `uiscsi-bench compare` measures: a process that logs in to an iSCSI LUN
// and serves it on a Unix socket (qemu-nbd with libiscsi, uiscsi-nbd), started by us with
// its socket in our temporary directory.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bench/child_process.h"
#include "bench/iscsi_url.h"

namespace uiscsi::bench {

struct NbdExport {
  std::string name;
  ChildProcess process;
  std::string socket;
  std::string uri() const { return "nbd+unix:///?socket=" + socket; }
};

// Starts `argv` followed by "-k SOCKET URL" (qemu-nbd and uiscsi-nbd take the same form)
// and waits until the socket accepts connections. nullopt and `error` on failure.
std::optional<NbdExport> start_nbd_export(const std::string& name, std::vector<std::string> argv, const IscsiUrl& url,
                                          const std::string& dir, std::string& error);

}  // namespace uiscsi::bench
