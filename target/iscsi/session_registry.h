// The live sessions of a server: TSIH allocation, lookup for connections that join a session
// (TSIH != 0), and session reinstatement (RFC 7143 6.3.5: at ErrorRecoveryLevel 0 a new
// leading login with the InitiatorName and ISID of a live session to the same target portal
// group replaces that session). Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "target/iscsi/session.h"

namespace uiscsi::target::iscsit {

class SessionRegistry {
 public:
  // Creates the session of a leading login that completed, with a fresh TSIH (1..65535,
  // never one in use). A live session with the same InitiatorName, ISID, target and TPGT is
  // ended first (its tasks aborted, its connections closed with errc::reinstated), so the
  // SCSI layer sees the old I_T nexus lost before the new one is established. Returns null
  // when every TSIH is in use.
  std::shared_ptr<Session> create(SessionIdentity identity, iscsi::SessionParams params,
                                  std::shared_ptr<TargetRuntime> target, std::uint32_t first_cmd_sn,
                                  std::uint32_t depth);

  std::shared_ptr<Session> find(std::uint16_t tsih) const;
  std::vector<std::shared_ptr<Session>> all() const;
  // Forgets an ended session (its TSIH becomes free).
  void remove(const Session& session);

 private:
  mutable std::mutex mutex_;
  std::map<std::uint16_t, std::shared_ptr<Session>> sessions_;
  std::uint16_t next_tsih_ = 1;
};

}  // namespace uiscsi::target::iscsit
