// The iSCSI targets `uiscsi-bench compare` measures, each started by us on 127.0.0.1 with
// free ports, a private control socket and its LUN on a tmpfs image of the same size:
//  - uiscsi-target, one portal per offload path it serves (tcp, placement), LUN 0;
//  - tgtd (tgt), with a private control index (-C N), LUN 1 (LUN 0 is its controller).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "bench/child_process.h"
#include "bench/iscsi_url.h"
#include "offload/path.h"

namespace uiscsi::bench {

class TargetDaemon {
 public:
  TargetDaemon(std::string name, ChildProcess process, std::string log)
      : name_(std::move(name)), process_(std::move(process)), log_(std::move(log)) {}
  const std::string& name() const noexcept { return name_; }
  pid_t pid() const noexcept { return process_.pid(); }
  bool running() { return process_.running(); }
  const std::string& log_file() const noexcept { return log_; }
  // The LUN's URL on the portal that serves `path`; nullopt when no portal does.
  std::optional<IscsiUrl> url(offload::Path path) const;

  std::string target_name;
  std::uint16_t lun = 0;
  std::map<offload::Path, std::uint16_t> ports;

 private:
  std::string name_;
  ChildProcess process_;
  std::string log_;
};

// `binary` is uiscsi-target; its files (config, LUN image, log, control socket) go in
// `dir`. nullopt and `error` (with the daemon's log) on failure.
std::optional<TargetDaemon> start_uiscsi_target(const std::string& binary, const std::string& dir,
                                                std::uint64_t lun_bytes, std::string& error);

// tgtd and tgtadm from $PATH; the LUN image and log go in `dir`.
std::optional<TargetDaemon> start_tgtd(const std::string& dir, std::uint64_t lun_bytes, std::string& error);

// The tgtd control index for a daemon whose portal is `port`: derived from the port so
// that parallel runs differ, and moved on while /var/run/tgtd/socket.N is taken.
int tgtd_control_index(std::uint16_t port);

}  // namespace uiscsi::bench
