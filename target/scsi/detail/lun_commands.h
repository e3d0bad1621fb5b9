// Commands the target answers for any LUN, whether or not a logical unit sits there:
// REPORT LUNS (SPC-4 6.33) and the standard INQUIRY data (SPC-4 6.6.2).
#pragma once

#include <cstdint>
#include <vector>

#include "target/scsi/detail/request.h"
#include "target/scsi/logical_unit.h"

namespace uiscsi::target::scsi {
class Target;
}

namespace uiscsi::target::scsi::detail {

// PERIPHERAL QUALIFIER / PERIPHERAL DEVICE TYPE byte (SPC-4 6.6.2).
inline constexpr std::uint8_t kDirectAccessBlockDevice = 0x00;
inline constexpr std::uint8_t kWellKnownLogicalUnit = 0x1e;
inline constexpr std::uint8_t kNoLogicalUnit = 0x7f;  // qualifier 011b, type 1Fh

// Standard INQUIRY data for `config` (vendor, product, revision).
std::vector<std::byte> standard_inquiry_data(std::uint8_t peripheral, const LuConfig& config);

// REPORT LUNS: validates the CDB, answers from the target's LUN inventory.
Response report_luns(Reply& req, const Target& target);

}  // namespace uiscsi::target::scsi::detail
