#include "target/scsi/target.h"

#include <algorithm>

#include "iscsi/scsi_lun.h"
#include "target/scsi/detail/bytes.h"
#include "target/scsi/detail/lun_commands.h"
#include "target/scsi/detail/request.h"

namespace uiscsi::target::scsi {
namespace {

using detail::Reply;
using iscsi::scsi::SenseKey;
namespace asc = iscsi::scsi::asc;

constexpr std::uint8_t kTestUnitReady = 0x00;
constexpr std::uint8_t kRequestSense = 0x03;
constexpr std::uint8_t kInquiry = 0x12;
constexpr std::uint8_t kReportLuns = 0xa0;

Response logical_unit_not_supported(const Reply& reply) {
  return detail::check_condition(reply, SenseKey::illegal_request, asc::logical_unit_not_supported);
}

// INQUIRY where no ordinary logical unit answers: standard data only (SPC-4 6.6.1).
Response inquiry(Reply& reply, std::uint8_t peripheral) {
  const auto cdb = reply.cdb();
  if (cdb.size() < 6) return detail::invalid_field_in_cdb(reply, 0);
  if (detail::get_u8(cdb, 1) & 0x01) return logical_unit_not_supported(reply);  // no VPD pages here
  return detail::data_in(reply, detail::standard_inquiry_data(peripheral, LuConfig{}), detail::get_be16(cdb, 3));
}

// REQUEST SENSE to a LUN without a logical unit returns, with GOOD status, sense data that
// says so (SPC-4 6.29).
Response request_sense(Reply& reply, iscsi::scsi::SenseCode code) {
  const auto cdb = reply.cdb();
  if (cdb.size() < 6) return detail::invalid_field_in_cdb(reply, 0);
  iscsi::scsi::SenseData sense;
  sense.code = code;
  const auto format = (detail::get_u8(cdb, 1) & 0x01) ? iscsi::scsi::SenseFormat::descriptor
                                                       : iscsi::scsi::SenseFormat::fixed;
  return detail::data_in(reply, iscsi::scsi::encode_sense(sense, format), detail::get_u8(cdb, 4));
}

}  // namespace

Target::Target(TargetConfig config) : config_(std::move(config)), table_(std::make_shared<const LunMap>()) {}
Target::~Target() = default;

std::shared_ptr<const Target::LunMap> Target::snapshot() const { return table_.load(std::memory_order_acquire); }

std::error_code Target::add_lun(std::uint16_t lun, std::unique_ptr<Backend> backend, LuConfig config) {
  if (lun > iscsi::scsi::kMaxLun) return target_errc::invalid_lun;
  std::error_code ec;
  std::lock_guard table_lock(table_mutex_);
  auto current = snapshot();
  if (current->contains(lun)) return target_errc::lun_exists;
  auto lu = LogicalUnit::open(*this, lun, std::move(backend), std::move(config), ec);
  if (ec) return ec;
  auto next = std::make_shared<LunMap>(*current);
  next->emplace(lun, lu);
  // Under nexus_mutex_, so a session starting now is greeted exactly once by the new LU.
  std::lock_guard nexus_lock(nexus_mutex_);
  table_.store(std::move(next), std::memory_order_release);
  for (const Nexus& n : nexuses_) lu->nexus_established(n);
  for (const auto& [other_lun, other] : *current) {
    other->lun_inventory_changed();
  }
  return {};
}

std::error_code Target::remove_lun(std::uint16_t lun) {
  std::lock_guard table_lock(table_mutex_);
  auto current = snapshot();
  if (!current->contains(lun)) return target_errc::no_such_lun;
  auto next = std::make_shared<LunMap>(*current);
  next->erase(lun);
  for (const auto& [other_lun, other] : *next) {
    other->lun_inventory_changed();
  }
  table_.store(std::move(next), std::memory_order_release);
  return {};
}

std::shared_ptr<LogicalUnit> Target::find(std::uint16_t lun) const {
  auto table = snapshot();
  auto it = table->find(lun);
  return it == table->end() ? nullptr : it->second;
}

std::vector<std::uint16_t> Target::luns() const {
  std::vector<std::uint16_t> out;
  for (const auto& [lun, lu] : *snapshot()) out.push_back(lun);
  return out;
}

Response Target::execute(std::uint64_t lun_field, const Command& command) {
  if (const auto lun = iscsi::scsi::decode_lun(lun_field)) {
    if (auto lu = find(*lun)) {
      Response r = lu->execute(command);
      if (r.data_in_file) r.data_in_owner = std::move(lu);
      return r;
    }
  }
  Reply reply{command};
  const std::uint8_t opcode = command.cdb.empty() ? 0xff : detail::get_u8(command.cdb, 0);
  if (opcode == kReportLuns) return detail::report_luns(reply, *this);
  if (lun_field == kReportLunsWellKnownLun) {
    // The REPORT LUNS well-known logical unit (SPC-4 8.2) also answers INQUIRY, REQUEST
    // SENSE and TEST UNIT READY.
    switch (opcode) {
      case kInquiry: return inquiry(reply, detail::kWellKnownLogicalUnit);
      case kRequestSense: return request_sense(reply, {});
      case kTestUnitReady: return detail::good(reply);
      default: {
        iscsi::scsi::SenseData sense;
        sense.code = {SenseKey::illegal_request, asc::invalid_command_operation_code};
        return detail::check_condition(reply, sense);
      }
    }
  }
  switch (opcode) {
    case kInquiry: return inquiry(reply, detail::kNoLogicalUnit);
    case kRequestSense: return request_sense(reply, {SenseKey::illegal_request, asc::logical_unit_not_supported});
    default: return logical_unit_not_supported(reply);
  }
}

void Target::nexus_established(const Nexus& nexus) {
  std::lock_guard lock(nexus_mutex_);
  nexuses_.push_back(nexus);
  for (const auto& [lun, lu] : *snapshot()) lu->nexus_established(nexus);
}

void Target::nexus_lost(const Nexus& nexus) {
  std::lock_guard lock(nexus_mutex_);
  auto it = std::find(nexuses_.begin(), nexuses_.end(), nexus);
  if (it == nexuses_.end()) return;
  nexuses_.erase(it);
  for (const auto& [lun, lu] : *snapshot()) lu->nexus_lost(nexus);
}

iscsi::TmfResponse Target::lun_reset(std::uint64_t lun_field) {
  std::shared_ptr<LogicalUnit> lu;
  if (const auto lun = iscsi::scsi::decode_lun(lun_field)) lu = find(*lun);
  if (!lu) return iscsi::TmfResponse::lun_does_not_exist;
  lu->reset(LogicalUnit::ResetKind::logical_unit);
  return iscsi::TmfResponse::function_complete;
}

iscsi::TmfResponse Target::target_reset() {
  for (const auto& [lun, lu] : *snapshot()) lu->reset(LogicalUnit::ResetKind::target);
  return iscsi::TmfResponse::function_complete;
}

}  // namespace uiscsi::target::scsi
