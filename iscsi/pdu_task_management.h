// Task Management Function Request / Response (RFC 7143 11.5, 11.6).
// Field conventions: see iscsi/pdu_scsi.h.
#pragma once

#include <cstdint>

#include "iscsi/bhs.h"

namespace uiscsi::iscsi {

// Function field (RFC 7143 11.5.1).
enum class TmfFunction : std::uint8_t {
  abort_task = 1,
  abort_task_set = 2,
  clear_aca = 3,
  clear_task_set = 4,
  logical_unit_reset = 5,
  target_warm_reset = 6,
  target_cold_reset = 7,
  task_reassign = 8,
};

// Response field (RFC 7143 11.6.1).
enum class TmfResponse : std::uint8_t {
  function_complete = 0,
  task_does_not_exist = 1,
  lun_does_not_exist = 2,
  task_still_allegiant = 3,
  task_allegiance_reassignment_not_supported = 4,
  function_not_supported = 5,
  function_authorization_failed = 6,
  function_rejected = 255,
};

struct TaskManagementRequest {
  static constexpr Opcode kOpcode = Opcode::task_management_request;

  bool immediate = false;
  TmfFunction function = TmfFunction::abort_task;
  std::uint64_t lun = 0;
  std::uint32_t initiator_task_tag = 0;
  std::uint32_t referenced_task_tag = kReservedTag;
  std::uint32_t cmd_sn = 0;
  std::uint32_t exp_stat_sn = 0;
  std::uint32_t ref_cmd_sn = 0;
  std::uint32_t exp_data_sn = 0;

  Bhs encode() const noexcept;
  static TaskManagementRequest decode(const Bhs& bhs) noexcept;

  friend bool operator==(const TaskManagementRequest&, const TaskManagementRequest&) = default;
};

struct TaskManagementResponse {
  static constexpr Opcode kOpcode = Opcode::task_management_response;

  TmfResponse response = TmfResponse::function_complete;
  std::uint32_t initiator_task_tag = 0;
  std::uint32_t stat_sn = 0;
  std::uint32_t exp_cmd_sn = 0;
  std::uint32_t max_cmd_sn = 0;

  Bhs encode() const noexcept;
  static TaskManagementResponse decode(const Bhs& bhs) noexcept;

  friend bool operator==(const TaskManagementResponse&, const TaskManagementResponse&) = default;
};

}  // namespace uiscsi::iscsi
