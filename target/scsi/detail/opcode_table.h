// The one table of supported commands. It drives dispatch (LogicalUnit::execute), the
// checks every command gets (reserved CDB bits, reservation conflicts, unit attentions,
// medium state) and REPORT SUPPORTED OPERATION CODES, so what is reported is exactly
// what is executed.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "target/backend/backend.h"
#include "target/scsi/detail/handlers.h"
#include "target/scsi/detail/pr_state.h"

namespace uiscsi::target::scsi::detail {

struct OpcodeInfo {
  std::uint8_t opcode = 0;
  bool has_service_action = false;  // SERVICE ACTION in CDB byte 1 bits 4:0 (SERVACTV)
  std::uint8_t service_action = 0;
  std::uint8_t cdb_length = 0;
  // CDB USAGE DATA (SPC-4 6.27.3): byte 0 is the opcode, then for each CDB byte the bits
  // this implementation looks at. A CDB with any other bit set is rejected with INVALID
  // FIELD IN CDB pointing at it, which is how reserved fields, unsupported options
  // (RDPROTECT, ANCHOR, NACA ...) and obsolete bits are refused.
  std::array<std::uint8_t, 16> usage{};
  Handler handler = nullptr;
  PrAccess pr_access = PrAccess::write;
  // Allowed while another I_T nexus holds a RESERVE(6) reservation (SPC-2 5.5.1).
  bool spc2_allowed = false;
  // False for INQUIRY, REPORT LUNS and REQUEST SENSE, which never report a unit attention
  // (SAM-5 5.14, SPC-4 6.29).
  bool reports_unit_attention = true;
  // Accesses the medium: NOT READY while the unit is stopped.
  bool medium_access = false;
  // Exists only on a thin-provisioned logical unit (Features::unmap): elsewhere it is
  // neither executed nor reported.
  bool needs_unmap = false;
};

std::span<const OpcodeInfo> opcode_table() noexcept;

// Does `opcode` select its command by a service action in CDB byte 1?
bool has_service_actions(std::uint8_t opcode) noexcept;

// The entry for `opcode` (and `service_action` where the opcode has service actions), or
// null.
const OpcodeInfo* find_opcode(std::uint8_t opcode, std::uint8_t service_action) noexcept;

// Is the command available on a logical unit with these backend features?
bool supported(const OpcodeInfo& info, const Features& features) noexcept;

}  // namespace uiscsi::target::scsi::detail
