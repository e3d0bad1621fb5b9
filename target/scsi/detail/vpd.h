// Vital product data pages (SPC-4 7.8, SBC-3 6.5) of a logical unit.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "target/scsi/detail/request.h"

namespace uiscsi::target::scsi::detail {

// The whole page `page_code` (header included) as seen through req's I_T nexus, or nullopt
// for a page this logical unit does not have.
std::optional<std::vector<std::byte>> vpd_page(const Request& req, std::uint8_t page_code);

}  // namespace uiscsi::target::scsi::detail
