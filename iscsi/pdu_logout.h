// Logout Request / Logout Response (RFC 7143 11.14, 11.15).
// Field conventions: see iscsi/pdu_scsi.h.
#pragma once

#include <cstdint>

#include "iscsi/bhs.h"

namespace uiscsi::iscsi {

// Reason Code (RFC 7143 11.14.1).
enum class LogoutReason : std::uint8_t {
  close_session = 0,
  close_connection = 1,
  remove_connection_for_recovery = 2,
};

// Response (RFC 7143 11.15.1).
enum class LogoutResponseCode : std::uint8_t {
  closed_successfully = 0,
  cid_not_found = 1,
  connection_recovery_not_supported = 2,
  cleanup_failed = 3,
};

struct LogoutRequest {
  static constexpr Opcode kOpcode = Opcode::logout_request;

  bool immediate = false;
  LogoutReason reason = LogoutReason::close_session;
  std::uint32_t initiator_task_tag = 0;
  std::uint16_t cid = 0;  // reserved when closing the session
  std::uint32_t cmd_sn = 0;
  std::uint32_t exp_stat_sn = 0;

  Bhs encode() const noexcept;
  static LogoutRequest decode(const Bhs& bhs) noexcept;

  friend bool operator==(const LogoutRequest&, const LogoutRequest&) = default;
};

struct LogoutResponse {
  static constexpr Opcode kOpcode = Opcode::logout_response;

  LogoutResponseCode response = LogoutResponseCode::closed_successfully;
  std::uint32_t initiator_task_tag = 0;
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  std::uint16_t time2wait = 0;    // seconds (11.15.2)
  std::uint16_t time2retain = 0;  // seconds (11.15.3)

  Bhs encode() const noexcept;
  static LogoutResponse decode(const Bhs& bhs) noexcept;

  friend bool operator==(const LogoutResponse&, const LogoutResponse&) = default;
};

}  // namespace uiscsi::iscsi
