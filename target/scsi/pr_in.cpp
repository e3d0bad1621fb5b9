// PERSISTENT RESERVE IN (SPC-4 6.15): READ KEYS, READ RESERVATION, REPORT CAPABILITIES,
// READ FULL STATUS.
#include "target/scsi/detail/bytes.h"
#include "target/scsi/detail/handlers.h"
#include "target/scsi/detail/lu_state.h"

namespace uiscsi::target::scsi::detail {
namespace {

enum class PrinAction : std::uint8_t { read_keys = 0, read_reservation = 1, report_capabilities = 2, read_full_status = 3 };

std::vector<std::byte> read_keys(const PrState& state) {
  ByteWriter w;
  w.be32(state.generation).be32(static_cast<std::uint32_t>(8 * state.registrants.size()));
  for (const Registrant& r : state.registrants) w.be64(r.key);
  return std::move(w.data());
}

std::vector<std::byte> read_reservation(const PrState& state) {
  ByteWriter w;
  w.be32(state.generation).be32(state.reservation ? 16 : 0);
  if (state.reservation) {
    // SCOPE is always LU_SCOPE (0h).
    w.be64(state.reservation_key()).be32(0).u8(0).u8(static_cast<std::uint8_t>(state.reservation->type)).be16(0);
  }
  return std::move(w.data());
}

std::vector<std::byte> report_capabilities(const PrState& state, bool aptpl_supported) {
  ByteWriter w;
  w.be16(8);
  // CRH = 0 (RESERVE(6) conflicts with any registration), SIP_C = 1, ATP_C = 1, PTPL_C.
  w.u8(static_cast<std::uint8_t>(0x08 | 0x04 | (aptpl_supported ? 0x01 : 0)));
  // TMV = 1 (the type mask below is valid), ALLOW COMMANDS 000b, PTPL_A.
  w.u8(static_cast<std::uint8_t>(0x80 | (state.aptpl ? 0x01 : 0)));
  // PERSISTENT RESERVATION TYPE MASK: WR_EX_AR, EX_AC_RO, WR_EX_RO, EX_AC, WR_EX; EX_AC_AR.
  w.u8(0x80 | 0x40 | 0x20 | 0x08 | 0x02).u8(0x01);
  w.be16(0);
  return std::move(w.data());
}

std::vector<std::byte> read_full_status(const PrState& state) {
  ByteWriter w;
  w.be32(state.generation).be32(0);  // ADDITIONAL LENGTH patched below
  for (const Registrant& r : state.registrants) {
    const bool holder =
        state.reservation && (all_registrants(state.reservation->type) || state.reservation->holder == r.id);
    const std::vector<std::byte> transport_id = encode_transport_id(r.initiator);
    w.be64(r.key).be32(0);
    w.u8(static_cast<std::uint8_t>((r.all_target_ports ? 0x02 : 0) | (holder ? 0x01 : 0)));
    w.u8(holder ? static_cast<std::uint8_t>(state.reservation->type) : 0);
    w.be32(0);
    // RELATIVE TARGET PORT IDENTIFIER is meaningless for an all-target-ports registration.
    w.be16(r.all_target_ports ? 0 : r.relative_target_port_id);
    w.be32(static_cast<std::uint32_t>(transport_id.size())).bytes(transport_id);
  }
  w.patch_be32(4, static_cast<std::uint32_t>(w.size() - 8));
  return std::move(w.data());
}

}  // namespace

Response handle_persistent_reserve_in(Request& req) {
  const auto cdb = req.cdb();
  const auto action = static_cast<PrinAction>(get_u8(cdb, 1) & 0x1f);
  const std::uint16_t allocation_length = get_be16(cdb, 7);
  const PrState state = req.lu.reservations.snapshot();
  switch (action) {
    case PrinAction::read_keys: return data_in(req, read_keys(state), allocation_length);
    case PrinAction::read_reservation: return data_in(req, read_reservation(state), allocation_length);
    case PrinAction::report_capabilities:
      return data_in(req, report_capabilities(state, req.lu.reservations.aptpl_supported()), allocation_length);
    case PrinAction::read_full_status: return data_in(req, read_full_status(state), allocation_length);
  }
  return invalid_field_in_cdb(req, 1, 4);  // the opcode table admits only the four above
}

}  // namespace uiscsi::target::scsi::detail
