// Login Request / Login Response (RFC 7143 11.12, 11.13).
// Field conventions: see iscsi/pdu_scsi.h. Status-Class/Status-Detail stay raw bytes here;
// their meaning and error_code mapping live in iscsi/login_status.h.
#pragma once

#include <array>
#include <cstdint>

#include "iscsi/bhs.h"

namespace uiscsi::iscsi {

// CSG / NSG (RFC 7143 11.12.3). The value 2 is reserved.
enum class LoginStage : std::uint8_t {
  security_negotiation = 0,
  login_operational_negotiation = 1,
  full_feature_phase = 3,
};

// ISID (RFC 7143 11.12.5): T|A (1 byte), B (2), C (1), D (2), in wire order.
using Isid = std::array<std::uint8_t, 6>;

struct LoginRequest {
  static constexpr Opcode kOpcode = Opcode::login_request;
  // The I bit is always 1 in a Login Request (RFC 7143 11.12); encode() sets it.

  bool transit = false;    // T
  bool continue_ = false;  // C: the text is continued in the next PDU
  LoginStage csg = LoginStage::security_negotiation;
  LoginStage nsg = LoginStage::security_negotiation;
  std::uint8_t version_max = 0;
  std::uint8_t version_min = 0;
  Isid isid{};
  std::uint16_t tsih = 0;
  std::uint32_t initiator_task_tag = 0;
  std::uint16_t cid = 0;
  std::uint32_t cmd_sn = 0;
  std::uint32_t exp_stat_sn = 0;

  Bhs encode() const noexcept;
  static LoginRequest decode(const Bhs& bhs) noexcept;

  friend bool operator==(const LoginRequest&, const LoginRequest&) = default;
};

struct LoginResponse {
  static constexpr Opcode kOpcode = Opcode::login_response;

  bool transit = false;    // T
  bool continue_ = false;  // C
  LoginStage csg = LoginStage::security_negotiation;
  LoginStage nsg = LoginStage::security_negotiation;
  std::uint8_t version_max = 0;
  std::uint8_t version_active = 0;
  Isid isid{};
  std::uint16_t tsih = 0;
  std::uint32_t initiator_task_tag = 0;
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  std::uint8_t status_class = 0;
  std::uint8_t status_detail = 0;

  Bhs encode() const noexcept;
  static LoginResponse decode(const Bhs& bhs) noexcept;

  friend bool operator==(const LoginResponse&, const LoginResponse&) = default;
};

}  // namespace uiscsi::iscsi
