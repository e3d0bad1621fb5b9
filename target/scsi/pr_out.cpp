// PERSISTENT RESERVE OUT (SPC-4 6.16): decodes the CDB and parameter list, applies the
// service action (persistent_reservations.cpp), then establishes the unit attentions and
// task aborts it calls for.
#include <string>

#include "target/scsi/detail/block_io.h"
#include "target/scsi/detail/bytes.h"
#include "target/scsi/detail/handlers.h"
#include "target/scsi/detail/lu_state.h"
#include "target/scsi/target.h"

namespace uiscsi::target::scsi::detail {
namespace {

// Parameter list layout (SPC-4 6.16.3, 6.16.4).
constexpr std::size_t kBasicListLength = 24;
constexpr std::uint16_t kFlagsByte = 20;
constexpr std::uint16_t kTransportIdLength = 24;  // SPEC_I_PT: TRANSPORTID PARAMETER DATA LENGTH
constexpr std::uint16_t kMoveFlagsByte = 17;
constexpr std::uint16_t kMoveTransportIdLength = 20;
constexpr std::size_t kMoveTransportId = 24;

bool is_register(ProutAction a) {
  return a == ProutAction::register_key || a == ProutAction::register_and_ignore_existing_key;
}

// Decodes the parameter list into `out`; a Response on error.
std::optional<Response> decode_list(Request& req, std::span<const std::byte> list, ProutRequest& out) {
  if (out.action == ProutAction::register_and_move) {
    if (list.size() < kMoveTransportId) return parameter_list_length_error(req);
    out.key = get_be64(list, 0);
    out.service_action_key = get_be64(list, 8);
    out.unreg = get_bit(list, kMoveFlagsByte, 1);
    out.aptpl = get_bit(list, kMoveFlagsByte, 0);
    out.move_relative_target_port_id = get_be16(list, 18);
    const std::uint32_t tid_length = get_be32(list, kMoveTransportIdLength);
    if (list.size() - kMoveTransportId != tid_length) return parameter_list_length_error(req);
    if (decode_transport_id(list.subspan(kMoveTransportId), out.move_to) == 0) {
      return invalid_field_in_parameter_list(req, kMoveTransportId);
    }
    return std::nullopt;
  }
  if (list.size() < kBasicListLength) return parameter_list_length_error(req);
  out.key = get_be64(list, 0);
  out.service_action_key = get_be64(list, 8);
  out.spec_i_pt = get_bit(list, kFlagsByte, 3);
  out.all_tg_pt = get_bit(list, kFlagsByte, 2);
  out.aptpl = get_bit(list, kFlagsByte, 0);
  if (!is_register(out.action)) {
    // SPEC_I_PT and ALL_TG_PT mean something only when registering (SPC-4 6.16.3).
    if (out.spec_i_pt) return invalid_field_in_parameter_list(req, kFlagsByte, 3);
    out.all_tg_pt = false;
  }
  if (!out.spec_i_pt) {
    if (list.size() != kBasicListLength) return parameter_list_length_error(req);
    return std::nullopt;
  }
  if (list.size() < kBasicListLength + 4) return parameter_list_length_error(req);
  const std::uint32_t tid_length = get_be32(list, kTransportIdLength);
  if (list.size() - (kBasicListLength + 4) != tid_length) return parameter_list_length_error(req);
  for (std::size_t at = kBasicListLength + 4; at < list.size();) {
    InitiatorPort port;
    const std::size_t used = decode_transport_id(list.subspan(at), port);
    if (used == 0) return invalid_field_in_parameter_list(req, static_cast<std::uint16_t>(at));
    out.transport_ids.push_back(std::move(port));
    at += used;
  }
  return std::nullopt;
}

std::string port_name(const InitiatorPort& port) {
  return port.isid.empty() ? port.name : port.name + ",i,0x" + port.isid;
}

}  // namespace

Response handle_persistent_reserve_out(Request& req) {
  const auto cdb = req.cdb();
  LuState& lu = req.lu;
  ProutRequest pr;
  pr.action = static_cast<ProutAction>(get_u8(cdb, 1) & 0x1f);
  pr.scope = get_u8(cdb, 2) >> 4;
  pr.type = get_u8(cdb, 2) & 0x0f;
  const std::uint32_t length = get_be32(cdb, 5);
  req.expected_length = length;
  if (auto r = check_data_out(req, length)) return std::move(*r);
  if (auto r = decode_list(req, req.command.data_out.first(length), pr)) return std::move(*r);
  const bool sets_aptpl = is_register(pr.action) || pr.action == ProutAction::register_and_move;
  if (!sets_aptpl) pr.aptpl = false;
  if (pr.aptpl && !lu.reservations.aptpl_supported()) {
    return invalid_field_in_parameter_list(req, pr.action == ProutAction::register_and_move ? kMoveFlagsByte : kFlagsByte, 0);
  }

  std::error_code persist_error;
  const ProutOutcome outcome = lu.reservations.prout(req.nexus(), pr, persist_error);
  if (persist_error) {
    return check_condition(req, iscsi::scsi::SenseKey::hardware_error, iscsi::scsi::asc::internal_target_failure);
  }
  switch (outcome.kind) {
    case ProutOutcome::Kind::good: break;
    case ProutOutcome::Kind::reservation_conflict: return reservation_conflict(req);
    case ProutOutcome::Kind::invalid_field_in_cdb: return invalid_field_in_cdb(req, outcome.field);
    case ProutOutcome::Kind::invalid_field_in_parameter_list:
      return invalid_field_in_parameter_list(req, outcome.field);
    case ProutOutcome::Kind::invalid_release:
      return check_condition(req, iscsi::scsi::SenseKey::illegal_request,
                             iscsi::scsi::asc::invalid_release_of_persistent_reservation);
  }
  for (const PrNotice& notice : outcome.notices) {
    lu.unit_attentions.establish(notice.asc, [&](const Nexus& n) { return notice.registrant.matches(n); });
  }
  if (const auto& abort = lu.target.config().abort_tasks) {
    for (const Registrant& r : outcome.preempted) {
      abort(port_name(r.initiator), r.all_target_ports ? 0 : r.relative_target_port_id, lu.lun);
    }
  }
  return good(req);
}

}  // namespace uiscsi::target::scsi::detail
