// iSCSI PDU opcodes (RFC 7143 11.2.1.2).
//
// The opcode is 6 bits. Opcode is an enum over the full 6-bit space: a received PDU may
// carry a value with no enumerator (e.g. 0x1c–0x1e vendor or unassigned codes), which is
// still a valid Opcode value; the session layer answers it with a Reject ("Command not
// supported", RFC 7143 11.17.1). Framing never depends on the opcode.
#pragma once

#include <cstdint>
#include <string_view>

namespace uiscsi::iscsi {

enum class Opcode : std::uint8_t {
  // Initiator opcodes (RFC 7143 11.2.1.2).
  nop_out = 0x00,
  scsi_command = 0x01,
  task_management_request = 0x02,
  login_request = 0x03,
  text_request = 0x04,
  scsi_data_out = 0x05,
  logout_request = 0x06,
  snack_request = 0x10,
  // Target opcodes.
  nop_in = 0x20,
  scsi_response = 0x21,
  task_management_response = 0x22,
  login_response = 0x23,
  text_response = 0x24,
  scsi_data_in = 0x25,
  logout_response = 0x26,
  r2t = 0x31,
  async_message = 0x32,
  reject = 0x3f,
};

inline constexpr std::uint8_t kOpcodeMask = 0x3f;

// Whether `op` is one of the opcodes RFC 7143 assigns (vendor-specific 0x1c–0x1e and
// 0x3c–0x3e are not included).
bool is_known(Opcode op) noexcept;

// Initiator opcodes have bit 0x20 clear; target opcodes have it set (RFC 7143 11.2.1.2).
constexpr bool is_target_opcode(Opcode op) noexcept {
  return (static_cast<std::uint8_t>(op) & 0x20) != 0;
}

// The RFC's name ("SCSI Command", "NOP-In", ...), or "unknown" for other values.
std::string_view name(Opcode op) noexcept;

}  // namespace uiscsi::iscsi
