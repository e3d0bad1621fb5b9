// uiscsi-target as a child process of an initiator test: one target with one 64 MiB file
// LUN on a free 127.0.0.1 port, in a private directory that the destructor removes after
// killing the target. Tests against it are hidden from the unit run ([.uiscsi_target]);
// ctest runs them with UISCSI_TARGET set to the binary.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace uiscsi::initiator::test {

struct UiscsiTargetOptions {
  std::string iqn = "iqn.2026-11.org.uiscsi:initiator-test";
  std::string offload = "tcp";  // the portal's offload policy
  std::uint32_t max_connections = 4;  // MaxConnections the target offers (MC/S above 1)
};

class UiscsiTarget {
 public:
  UiscsiTarget(const std::string& binary, UiscsiTargetOptions options);
  ~UiscsiTarget();
  UiscsiTarget(const UiscsiTarget&) = delete;
  UiscsiTarget& operator=(const UiscsiTarget&) = delete;

  const std::string& iqn() const noexcept { return options_.iqn; }
  std::uint16_t port() const noexcept { return port_; }
  std::string log() const;

 private:
  UiscsiTargetOptions options_;
  std::uint16_t port_;
  std::string dir_;
  pid_t pid_ = -1;
};

// A TCP port on 127.0.0.1 that the kernel just handed out for port 0.
std::uint16_t free_port();

}  // namespace uiscsi::initiator::test
