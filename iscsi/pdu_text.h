// Text Request / Text Response (RFC 7143 11.10, 11.11). The key=value data segment is
// handled by iscsi/text_*.h. Field conventions: see iscsi/pdu_scsi.h.
#pragma once

#include <cstdint>

#include "iscsi/bhs.h"

namespace uiscsi::iscsi {

struct TextRequest {
  static constexpr Opcode kOpcode = Opcode::text_request;

  bool immediate = false;
  bool final = true;
  bool continue_ = false;  // C: the text is continued in the next PDU
  std::uint64_t lun = 0;
  std::uint32_t initiator_task_tag = 0;
  std::uint32_t target_transfer_tag = kReservedTag;  // reserved for a new request
  std::uint32_t cmd_sn = 0;
  std::uint32_t exp_stat_sn = 0;

  Bhs encode() const noexcept;
  static TextRequest decode(const Bhs& bhs) noexcept;

  friend bool operator==(const TextRequest&, const TextRequest&) = default;
};

struct TextResponse {
  static constexpr Opcode kOpcode = Opcode::text_response;

  bool final = true;
  bool continue_ = false;  // C
  std::uint64_t lun = 0;
  std::uint32_t initiator_task_tag = 0;
  std::uint32_t target_transfer_tag = kReservedTag;  // reserved on the final response
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;

  Bhs encode() const noexcept;
  static TextResponse decode(const Bhs& bhs) noexcept;

  friend bool operator==(const TextResponse&, const TextResponse&) = default;
};

}  // namespace uiscsi::iscsi
