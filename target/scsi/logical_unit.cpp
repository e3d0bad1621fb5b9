#include "target/scsi/logical_unit.h"

#include <algorithm>
#include <bit>

#include "target/scsi/detail/asc.h"
#include "target/scsi/detail/bytes.h"
#include "target/scsi/detail/lu_state.h"
#include "target/scsi/detail/opcode_table.h"

namespace uiscsi::target::scsi {

using detail::Request;
using iscsi::scsi::SenseKey;
namespace asc = iscsi::scsi::asc;

namespace detail {

LuState::LuState(const Target& target_in, std::uint16_t lun_in, std::unique_ptr<Backend> backend_in,
                 LuConfig config_in)
    : target(target_in),
      lun(lun_in),
      backend(std::move(backend_in)),
      config(std::move(config_in)),
      features(backend->features()),
      block_size(backend->geometry().block_size),
      blocks_per_physical(std::max<std::uint32_t>(1, backend->geometry().physical_block_size / block_size)),
      blocks_per_allocation_unit(backend->geometry().allocation_unit != 0
                                     ? std::max<std::uint32_t>(1, backend->geometry().allocation_unit / block_size)
                                     : blocks_per_physical),
      block_count(backend->geometry().block_count),
      naa(make_naa_designator(config.ieee_company_id, config.serial)),
      mode(features.volatile_write_cache),
      reservations(config.pr_state_file) {}

namespace {

// The checks every command gets before its handler runs, in the order SAM-5 and SPC-4
// give them precedence.
std::optional<Response> common_checks(Request& req, const OpcodeInfo* info) {
  LuState& lu = req.lu;
  const auto cdb = req.cdb();
  const std::uint8_t opcode = get_u8(cdb, 0);

  // A pending unit attention is reported by any command except INQUIRY, REPORT LUNS and
  // REQUEST SENSE, even an unsupported one (SAM-5 5.14; UA_INTLCK_CTRL = 0 clears it).
  const bool reports_ua = info != nullptr ? info->reports_unit_attention : true;
  if (reports_ua && lu.unit_attentions.any_pending()) {
    if (auto ua = lu.unit_attentions.take(req.nexus())) return check_condition(req, SenseKey::unit_attention, *ua);
  }
  if (info == nullptr) {
    // An opcode with service actions exists but not this service action: the field at
    // fault is the SERVICE ACTION (SPC-4 4.5.2.4.2).
    if (has_service_actions(opcode)) {
      for (const OpcodeInfo& e : opcode_table()) {
        if (e.opcode == opcode && supported(e, lu.features)) return invalid_field_in_cdb(req, 1, 4);
      }
    }
    iscsi::scsi::SenseData sense;
    sense.code = {SenseKey::illegal_request, asc::invalid_command_operation_code};
    sense.sense_key_specific = iscsi::scsi::make_field_pointer(true, 0);
    return check_condition(req, sense);
  }
  if (cdb.size() < info->cdb_length) return invalid_field_in_cdb(req, 0);
  // Every bit the opcode table does not list as used must be zero.
  for (std::size_t i = 1; i < info->cdb_length; ++i) {
    const auto stray = static_cast<std::uint8_t>(get_u8(cdb, i) & ~info->usage[i]);
    if (stray != 0) {
      return invalid_field_in_cdb(req, static_cast<std::uint16_t>(i),
                                  static_cast<std::uint8_t>(std::bit_width(stray) - 1));
    }
  }
  if (lu.reservations.may_conflict() &&
      lu.reservations.conflicts(req.nexus(), info->pr_access, info->spc2_allowed)) {
    return reservation_conflict(req);
  }
  if (info->medium_access && lu.stopped.load(std::memory_order_relaxed)) {
    return check_condition(req, SenseKey::not_ready, asc::logical_unit_not_ready_initializing_required);
  }
  return std::nullopt;
}

}  // namespace
}  // namespace detail

std::shared_ptr<LogicalUnit> LogicalUnit::open(const Target& target, std::uint16_t lun,
                                               std::unique_ptr<Backend> backend, LuConfig config,
                                               std::error_code& ec) {
  ec.clear();
  auto state = std::make_unique<detail::LuState>(target, lun, std::move(backend), std::move(config));
  if ((ec = state->reservations.load())) return nullptr;
  return std::shared_ptr<LogicalUnit>(new LogicalUnit(std::move(state)));
}

LogicalUnit::LogicalUnit(std::unique_ptr<detail::LuState> state) : state_(std::move(state)) {}
LogicalUnit::~LogicalUnit() = default;

Response LogicalUnit::execute(const Command& command) {
  detail::LuState& lu = *state_;
  Request req{lu, command};
  req.sense_format =
      lu.mode.descriptor_sense() ? iscsi::scsi::SenseFormat::descriptor : iscsi::scsi::SenseFormat::fixed;
  if (command.cdb.empty()) return detail::invalid_field_in_cdb(req, 0);

  const std::uint8_t opcode = detail::get_u8(command.cdb, 0);
  const std::uint8_t service_action =
      command.cdb.size() > 1 && detail::has_service_actions(opcode) ? detail::get_u8(command.cdb, 1) & 0x1f : 0;
  const detail::OpcodeInfo* info = detail::find_opcode(opcode, service_action);
  if (info != nullptr && !detail::supported(*info, lu.features)) info = nullptr;
  if (auto early = detail::common_checks(req, info)) return std::move(*early);
  return info->handler(req);
}

void LogicalUnit::nexus_established(const Nexus& nexus) { state_->unit_attentions.nexus_established(nexus); }

void LogicalUnit::nexus_lost(const Nexus& nexus) {
  state_->reservations.release6_held_by(nexus);
  state_->unit_attentions.nexus_lost(nexus);
}

void LogicalUnit::reset(ResetKind kind) {
  state_->reservations.release6_all();
  state_->mode.reset();
  state_->unit_attentions.establish(kind == ResetKind::logical_unit
                                        ? detail::asc_extra::bus_device_reset_function_occurred
                                        : asc::power_on_reset_or_bus_device_reset);
}

void LogicalUnit::capacity_changed() {
  state_->block_count.store(state_->backend->geometry().block_count, std::memory_order_relaxed);
  state_->unit_attentions.establish(asc::capacity_data_has_changed);
}

void LogicalUnit::lun_inventory_changed() { state_->unit_attentions.establish(asc::reported_luns_data_has_changed); }

std::uint16_t LogicalUnit::lun() const noexcept { return state_->lun; }
Backend& LogicalUnit::backend() noexcept { return *state_->backend; }
const LuConfig& LogicalUnit::config() const noexcept { return state_->config; }

}  // namespace uiscsi::target::scsi
