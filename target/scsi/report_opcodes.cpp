// REPORT SUPPORTED OPERATION CODES (SPC-4 6.27), answered from the opcode table that also
// drives dispatch.
#include "target/scsi/detail/bytes.h"
#include "target/scsi/detail/handlers.h"
#include "target/scsi/detail/lu_state.h"
#include "target/scsi/detail/opcode_table.h"

namespace uiscsi::target::scsi::detail {
namespace {

// REPORTING OPTIONS (SPC-4 6.27.1).
constexpr std::uint8_t kAll = 0x0;
constexpr std::uint8_t kOneOpcode = 0x1;           // the opcode must not have service actions
constexpr std::uint8_t kOneServiceAction = 0x2;    // the opcode must have service actions
constexpr std::uint8_t kOneOpcodeOrAction = 0x3;   // either, as the opcode requires

constexpr std::uint8_t kSupportNotSupported = 0x1;
constexpr std::uint8_t kSupportStandard = 0x3;

// Command timeouts descriptor (SPC-4 6.27.4): no timeouts are specified (0).
void timeouts_descriptor(ByteWriter& w) { w.be16(0x0a).u8(0).u8(0).be32(0).be32(0); }

std::vector<std::byte> all_commands(const Features& features, bool rctd) {
  ByteWriter w;
  w.be32(0);  // COMMAND DATA LENGTH, patched below
  for (const OpcodeInfo& e : opcode_table()) {
    if (!supported(e, features)) continue;
    w.u8(e.opcode).u8(0).be16(e.service_action).u8(0);
    w.u8(static_cast<std::uint8_t>((rctd ? 0x02 : 0) | (e.has_service_action ? 0x01 : 0)));
    w.be16(e.cdb_length);
    if (rctd) timeouts_descriptor(w);
  }
  w.patch_be32(0, static_cast<std::uint32_t>(w.size() - 4));
  return std::move(w.data());
}

std::vector<std::byte> one_command(const OpcodeInfo* e, bool rctd) {
  ByteWriter w;
  if (e == nullptr) {
    w.u8(0).u8(kSupportNotSupported).be16(0);
    return std::move(w.data());
  }
  w.u8(0).u8(static_cast<std::uint8_t>((rctd ? 0x80 : 0) | kSupportStandard)).be16(e->cdb_length);
  for (std::size_t i = 0; i < e->cdb_length; ++i) w.u8(e->usage[i]);
  if (rctd) timeouts_descriptor(w);
  return std::move(w.data());
}

}  // namespace

Response handle_report_supported_operation_codes(Request& req) {
  const auto cdb = req.cdb();
  const bool rctd = get_bit(cdb, 2, 7);
  const std::uint8_t options = get_u8(cdb, 2) & 0x07;
  const std::uint8_t opcode = get_u8(cdb, 3);
  const std::uint16_t service_action = get_be16(cdb, 4);
  const std::uint32_t allocation_length = get_be32(cdb, 6);
  const Features& features = req.lu.features;

  if (options == kAll) return data_in(req, all_commands(features, rctd), allocation_length);
  if (options != kOneOpcode && options != kOneServiceAction && options != kOneOpcodeOrAction) {
    return invalid_field_in_cdb(req, 2, 2);
  }
  const bool by_sa = has_service_actions(opcode);
  if (options == kOneOpcode && by_sa) return invalid_field_in_cdb(req, 3);
  if (options == kOneServiceAction && !by_sa) return invalid_field_in_cdb(req, 3);
  const OpcodeInfo* e = nullptr;
  if (!by_sa || service_action <= 0x1f) {
    e = find_opcode(opcode, static_cast<std::uint8_t>(service_action));
    if (e != nullptr && !supported(*e, features)) e = nullptr;
  }
  return data_in(req, one_command(e, rctd), allocation_length);
}

}  // namespace uiscsi::target::scsi::detail
