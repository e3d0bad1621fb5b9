// uiscsi-target as a child process of an initiator test: one target with one 64 MiB file
// LUN on a free 127.0.0.1 port, in a private directory that the destructor removes after
// killing the target. Tests against it are hidden from the unit run ([.uiscsi_target]);
// ctest runs them with UISCSI_TARGET set to the binary.
#pragma once

#include <sys/types.h>

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "initiator/config.h"
#include "initiator/session.h"

// The UISCSI_TARGET binary is set by ctest; without it the test says so and passes.
#define SKIP_WITHOUT_UISCSI_TARGET()                            \
  if (std::getenv("UISCSI_TARGET") == nullptr) {                \
    WARN("SKIPPED: UISCSI_TARGET is not set (ctest sets it)");  \
    return;                                                     \
  }

namespace uiscsi::initiator::test {

struct UiscsiTargetOptions {
  std::string iqn = "iqn.2026-11.org.uiscsi:initiator-test";
  std::string offload = "tcp";  // the portal's offload policy
  std::uint32_t max_connections = 4;  // MaxConnections the target offers (MC/S above 1)
};

class UiscsiTarget {
 public:
  // Starts the UISCSI_TARGET binary (see SKIP_WITHOUT_UISCSI_TARGET).
  explicit UiscsiTarget(UiscsiTargetOptions options);
  ~UiscsiTarget();
  UiscsiTarget(const UiscsiTarget&) = delete;
  UiscsiTarget& operator=(const UiscsiTarget&) = delete;

  const std::string& iqn() const noexcept { return options_.iqn; }
  std::uint16_t port() const noexcept { return port_; }
  std::string log() const;
  // A session configuration for this target's portal and IQN, as `initiator_name`.
  SessionConfig session_config(std::string initiator_name) const;

 private:
  UiscsiTargetOptions options_;
  std::uint16_t port_;
  std::string dir_;
  pid_t pid_ = -1;
};

// A TCP port on 127.0.0.1 that the kernel just handed out for port 0.
std::uint16_t free_port();

// WRITE (16) or READ (16) of `data` at 512-byte block `lba` of `lun` (encoded), through
// execute_with_retries; a failure fails the test.
boost::asio::awaitable<void> transfer_16(Session& session, std::uint64_t lun, bool write, std::uint64_t lba,
                                         std::span<std::byte> data);

}  // namespace uiscsi::initiator::test
