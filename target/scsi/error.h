// Errors of the SCSI target configuration (the "target.scsi" category). Command failures
// are not errors in this sense: they are SCSI statuses and sense data in a Response.
#pragma once

#include <system_error>

namespace uiscsi::target::scsi {

enum class target_errc {
  // add_lun() for a LUN that is already configured.
  lun_exists = 1,
  // remove_lun() for a LUN that is not configured.
  no_such_lun,
  // A LUN number above 16383 (beyond flat space addressing, SAM-5 4.7.7).
  invalid_lun,
  // The PERSIST THROUGH POWER LOSS state file exists but is not valid.
  corrupt_pr_state,
};

const std::error_category& target_category() noexcept;
std::error_code make_error_code(target_errc e) noexcept;

}  // namespace uiscsi::target::scsi

template <>
struct std::is_error_code_enum<uiscsi::target::scsi::target_errc> : std::true_type {};
