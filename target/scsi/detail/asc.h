// Additional sense codes the device emulation reports that iscsi/sense_codes.h does not
// name (yet). Candidates to move there.
#pragma once

#include "iscsi/sense_codes.h"

namespace uiscsi::target::scsi::detail::asc_extra {

using iscsi::scsi::AdditionalSense;

// Data-Out shorter than the CDB's transfer length (FCP-4 9.4.2 behaviour b, which
// libiscsi's residual tests accept): nothing is written.
inline constexpr AdditionalSense invalid_field_in_information_unit{0x0e, 0x03};
inline constexpr AdditionalSense bus_device_reset_function_occurred{0x29, 0x03};
// Thin provisioning ran out of space (SBC-3 4.7.3.6).
inline constexpr AdditionalSense space_allocation_failed_write_protect{0x27, 0x07};

}  // namespace uiscsi::target::scsi::detail::asc_extra
