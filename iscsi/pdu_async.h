// Asynchronous Message (RFC 7143 11.9). Field conventions: see iscsi/pdu_scsi.h.
// The Initiator Task Tag is always the reserved tag; encode() sets it.
#pragma once

#include <cstdint>

#include "iscsi/bhs.h"

namespace uiscsi::iscsi {

// AsyncEvent (RFC 7143 11.9.1). Other values are reserved; 255 is vendor-specific.
enum class AsyncEvent : std::uint8_t {
  scsi_async_event = 0,       // sense data in the data segment
  logout_request = 1,         // Parameter3: seconds to log out within
  connection_drop = 2,        // Parameter1: CID, Parameter2: Time2Wait, Parameter3: Time2Retain
  session_drop = 3,           // Parameter2: Time2Wait, Parameter3: Time2Retain
  negotiation_request = 4,
  task_termination = 5,
  vendor_specific = 255,      // AsyncVCode says which
};

struct AsyncMessage {
  static constexpr Opcode kOpcode = Opcode::async_message;

  std::uint64_t lun = 0;
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;
  AsyncEvent async_event = AsyncEvent::scsi_async_event;
  std::uint8_t async_vcode = 0;
  std::uint16_t parameter1 = 0;
  std::uint16_t parameter2 = 0;
  std::uint16_t parameter3 = 0;

  Bhs encode() const noexcept;
  static AsyncMessage decode(const Bhs& bhs) noexcept;

  friend bool operator==(const AsyncMessage&, const AsyncMessage&) = default;
};

}  // namespace uiscsi::iscsi
