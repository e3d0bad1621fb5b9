// SCSI status codes (SAM-5 5.3.1) and the "scsi.status" error category, so an initiator can
// report a non-GOOD status as a std::error_code (CHECK CONDITION is better reported through
// its sense data, see iscsi/sense_codes.h).
#pragma once

#include <cstdint>
#include <string_view>
#include <system_error>

namespace uiscsi::iscsi::scsi {

enum class Status : std::uint8_t {
  good = 0x00,
  check_condition = 0x02,
  condition_met = 0x04,
  busy = 0x08,
  reservation_conflict = 0x18,
  task_set_full = 0x28,
  aca_active = 0x30,
  task_aborted = 0x40,
};

// "GOOD", "CHECK CONDITION", ...; empty for values SAM-5 does not assign.
std::string_view status_name(Status status) noexcept;

// GOOD and CONDITION MET (a successful PRE-FETCH) are success; every other status is an error.
const std::error_category& status_category() noexcept;
std::error_code make_error_code(Status status) noexcept;

}  // namespace uiscsi::iscsi::scsi

template <>
struct std::is_error_code_enum<uiscsi::iscsi::scsi::Status> : std::true_type {};
