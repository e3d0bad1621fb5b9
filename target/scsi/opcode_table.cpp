#include "target/scsi/detail/opcode_table.h"

#include <algorithm>

namespace uiscsi::target::scsi::detail {
namespace {

constexpr PrAccess kAllowed = PrAccess::allowed;
constexpr PrAccess kRead = PrAccess::read;
constexpr PrAccess kWrite = PrAccess::write;

struct Flags {
  PrAccess pr = kWrite;
  bool spc2_allowed = false;
  bool reports_ua = true;
  bool medium = false;
  bool needs_unmap = false;
};

constexpr OpcodeInfo entry(std::uint8_t cdb_length, std::array<std::uint8_t, 16> usage, Handler handler, Flags f) {
  OpcodeInfo e;
  e.opcode = usage[0];
  e.cdb_length = cdb_length;
  e.usage = usage;
  e.handler = handler;
  e.pr_access = f.pr;
  e.spc2_allowed = f.spc2_allowed;
  e.reports_unit_attention = f.reports_ua;
  e.medium_access = f.medium;
  e.needs_unmap = f.needs_unmap;
  return e;
}

constexpr OpcodeInfo with_sa(OpcodeInfo e, std::uint8_t service_action) {
  e.has_service_action = true;
  e.service_action = service_action;
  return e;
}

// Field masks shared by the block commands (SBC-3 5.x): byte 1 DPO | FUA (0x18); the GROUP
// NUMBER (bits 4:0) is accepted and ignored, as SBC-3 4.22 allows. RDPROTECT, WRPROTECT
// and VRPROTECT stay clear: there is no protection information.
constexpr std::uint8_t kDpoFua = 0x18;
constexpr std::uint8_t kDpoBytchk2 = 0x16;  // VERIFY: DPO | BYTCHK (2 bits)
constexpr std::uint8_t kDpoBytchk1 = 0x12;  // WRITE AND VERIFY: DPO | BYTCHK
constexpr std::uint8_t kGroup = 0x1f;
constexpr std::uint8_t kSa = 0x1f;

// PERSISTENT RESERVE IN/OUT: SPC-4 5.12.1 lets them through any persistent reservation
// (the service actions check keys themselves); a RESERVE(6) of another nexus blocks them.
constexpr Flags kPr{kAllowed, false, true, false};

constexpr std::array kTable = {
    entry(6, {0x00, 0, 0, 0, 0, 0}, handle_test_unit_ready, {kAllowed, false, true, true}),
    entry(6, {0x03, 0x01, 0, 0, 0xff, 0}, handle_request_sense, {kAllowed, true, false, false}),
    entry(6, {0x08, 0x1f, 0xff, 0xff, 0xff, 0}, handle_read, {kRead, false, true, true}),
    entry(6, {0x0a, 0x1f, 0xff, 0xff, 0xff, 0}, handle_write, {kWrite, false, true, true}),
    entry(6, {0x12, 0x01, 0xff, 0xff, 0xff, 0}, handle_inquiry, {kAllowed, true, false, false}),
    entry(6, {0x15, 0x11, 0, 0, 0xff, 0}, handle_mode_select, {kWrite, false, true, false}),
    entry(6, {0x16, 0, 0, 0, 0, 0}, handle_reserve6, {kAllowed, false, true, false}),
    entry(6, {0x17, 0, 0, 0, 0, 0}, handle_release6, {kAllowed, true, true, false}),
    entry(6, {0x1a, 0x08, 0xff, 0xff, 0xff, 0}, handle_mode_sense, {kRead, false, true, false}),
    entry(6, {0x1b, 0x01, 0, 0x0f, 0xf7, 0}, handle_start_stop_unit, {kWrite, false, true, false}),
    entry(6, {0x1e, 0, 0, 0, 0x03, 0}, handle_prevent_allow_medium_removal, {kWrite, false, true, false}),
    entry(10, {0x25, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0x01, 0}, handle_read_capacity10, {kAllowed, false, true, true}),
    entry(10, {0x28, kDpoFua, 0xff, 0xff, 0xff, 0xff, kGroup, 0xff, 0xff, 0}, handle_read, {kRead, false, true, true}),
    entry(10, {0x2a, kDpoFua, 0xff, 0xff, 0xff, 0xff, kGroup, 0xff, 0xff, 0}, handle_write, {kWrite, false, true, true}),
    entry(10, {0x2e, kDpoBytchk1, 0xff, 0xff, 0xff, 0xff, kGroup, 0xff, 0xff, 0}, handle_write_and_verify,
          {kWrite, false, true, true}),
    entry(10, {0x2f, kDpoBytchk2, 0xff, 0xff, 0xff, 0xff, kGroup, 0xff, 0xff, 0}, handle_verify,
          {kRead, false, true, true}),
    // PRE-FETCH: IMMED (byte 1 bit 1) is accepted; the answer does not depend on it.
    entry(10, {0x34, 0x02, 0xff, 0xff, 0xff, 0xff, kGroup, 0xff, 0xff, 0}, handle_prefetch, {kRead, false, true, true}),
    entry(10, {0x35, 0x02, 0xff, 0xff, 0xff, 0xff, kGroup, 0xff, 0xff, 0}, handle_synchronize_cache,
          {kWrite, false, true, true}),
    entry(10, {0x41, 0x08, 0xff, 0xff, 0xff, 0xff, kGroup, 0xff, 0xff, 0}, handle_write_same, {kWrite, false, true, true}),
    entry(10, {0x42, 0, 0, 0, 0, 0, kGroup, 0xff, 0xff, 0}, handle_unmap, {kWrite, false, true, true, true}),
    entry(10, {0x55, 0x11, 0, 0, 0, 0, 0, 0xff, 0xff, 0}, handle_mode_select, {kWrite, false, true, false}),
    entry(10, {0x5a, 0x18, 0xff, 0xff, 0, 0, 0, 0xff, 0xff, 0}, handle_mode_sense, {kRead, false, true, false}),
    with_sa(entry(10, {0x5e, kSa, 0, 0, 0, 0, 0, 0xff, 0xff, 0}, handle_persistent_reserve_in, kPr), 0x00),
    with_sa(entry(10, {0x5e, kSa, 0, 0, 0, 0, 0, 0xff, 0xff, 0}, handle_persistent_reserve_in, kPr), 0x01),
    with_sa(entry(10, {0x5e, kSa, 0, 0, 0, 0, 0, 0xff, 0xff, 0}, handle_persistent_reserve_in, kPr), 0x02),
    with_sa(entry(10, {0x5e, kSa, 0, 0, 0, 0, 0, 0xff, 0xff, 0}, handle_persistent_reserve_in, kPr), 0x03),
    with_sa(entry(10, {0x5f, kSa, 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff, 0}, handle_persistent_reserve_out, kPr), 0x00),
    with_sa(entry(10, {0x5f, kSa, 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff, 0}, handle_persistent_reserve_out, kPr), 0x01),
    with_sa(entry(10, {0x5f, kSa, 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff, 0}, handle_persistent_reserve_out, kPr), 0x02),
    with_sa(entry(10, {0x5f, kSa, 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff, 0}, handle_persistent_reserve_out, kPr), 0x03),
    with_sa(entry(10, {0x5f, kSa, 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff, 0}, handle_persistent_reserve_out, kPr), 0x04),
    with_sa(entry(10, {0x5f, kSa, 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff, 0}, handle_persistent_reserve_out, kPr), 0x05),
    with_sa(entry(10, {0x5f, kSa, 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff, 0}, handle_persistent_reserve_out, kPr), 0x06),
    with_sa(entry(10, {0x5f, kSa, 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff, 0}, handle_persistent_reserve_out, kPr), 0x07),
    entry(16, {0x88, kDpoFua, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, kGroup, 0},
          handle_read, {kRead, false, true, true}),
    entry(16, {0x89, kDpoFua, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0xff, kGroup, 0},
          handle_compare_and_write, {kWrite, false, true, true}),
    entry(16, {0x8a, kDpoFua, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, kGroup, 0},
          handle_write, {kWrite, false, true, true}),
    // ORWRITE (16): ORPROTECT stays clear (no protection information).
    entry(16, {0x8b, kDpoFua, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, kGroup, 0},
          handle_orwrite, {kWrite, false, true, true}),
    entry(16, {0x8e, kDpoBytchk1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, kGroup, 0},
          handle_write_and_verify, {kWrite, false, true, true}),
    entry(16, {0x8f, kDpoBytchk2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, kGroup, 0},
          handle_verify, {kRead, false, true, true}),
    entry(16, {0x90, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, kGroup, 0},
          handle_prefetch, {kRead, false, true, true}),
    entry(16, {0x91, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, kGroup, 0},
          handle_synchronize_cache, {kWrite, false, true, true}),
    entry(16, {0x93, 0x09, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, kGroup, 0},
          handle_write_same, {kWrite, false, true, true}),
    with_sa(entry(16, {0x9e, kSa, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0},
                  handle_read_capacity16, {kAllowed, false, true, true}),
            0x10),
    with_sa(entry(16, {0x9e, kSa, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0},
                  handle_get_lba_status, {kRead, false, true, true}),
            0x12),
    entry(12, {0xa0, 0, 0xff, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0}, handle_report_luns, {kAllowed, true, false, false}),
    with_sa(entry(12, {0xa3, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0}, handle_report_target_port_groups,
                  {kAllowed, true, true, false}),
            0x0a),
    with_sa(entry(12, {0xa3, kSa, 0x87, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0},
                  handle_report_supported_operation_codes, {kAllowed, true, true, false}),
            0x0c),
    entry(12, {0xa8, kDpoFua, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, kGroup, 0}, handle_read,
          {kRead, false, true, true}),
    entry(12, {0xaa, kDpoFua, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, kGroup, 0}, handle_write,
          {kWrite, false, true, true}),
    entry(12, {0xae, kDpoBytchk1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, kGroup, 0}, handle_write_and_verify,
          {kWrite, false, true, true}),
    entry(12, {0xaf, kDpoBytchk2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, kGroup, 0}, handle_verify,
          {kRead, false, true, true}),
};

// The table must stay sorted: REPORT SUPPORTED OPERATION CODES lists it in this order,
// and lookups rely on it.
constexpr bool sorted() {
  for (std::size_t i = 1; i < kTable.size(); ++i) {
    const auto a = kTable[i - 1];
    const auto b = kTable[i];
    if (a.opcode > b.opcode || (a.opcode == b.opcode && a.service_action >= b.service_action)) return false;
  }
  return true;
}
static_assert(sorted());

}  // namespace

std::span<const OpcodeInfo> opcode_table() noexcept { return kTable; }

bool supported(const OpcodeInfo& info, const Features& features) noexcept {
  return !info.needs_unmap || features.unmap;
}

bool has_service_actions(std::uint8_t opcode) noexcept {
  return opcode == 0x5e || opcode == 0x5f || opcode == 0x9e || opcode == 0xa3;
}

const OpcodeInfo* find_opcode(std::uint8_t opcode, std::uint8_t service_action) noexcept {
  const bool by_sa = has_service_actions(opcode);
  auto it = std::lower_bound(kTable.begin(), kTable.end(), opcode,
                             [](const OpcodeInfo& e, std::uint8_t op) { return e.opcode < op; });
  for (; it != kTable.end() && it->opcode == opcode; ++it) {
    if (!by_sa || it->service_action == service_action) return &*it;
  }
  return nullptr;
}

}  // namespace uiscsi::target::scsi::detail
