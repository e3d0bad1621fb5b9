// REPORT LUNS (SPC-4 6.33).
#include "iscsi/scsi_cdb.h"
#include "iscsi/scsi_lun.h"
#include "iscsi/scsi_report_luns.h"
#include "target/scsi/detail/lu_state.h"
#include "target/scsi/detail/lun_commands.h"
#include "target/scsi/target.h"

namespace uiscsi::target::scsi::detail {
namespace {

// SELECT REPORT codes (SPC-4 6.33.1).
constexpr std::uint8_t kSelectLogicalUnits = 0x00;
constexpr std::uint8_t kSelectWellKnown = 0x01;
constexpr std::uint8_t kSelectAll = 0x02;

}  // namespace

Response report_luns(Reply& req, const Target& target) {
  iscsi::scsi::ReportLunsCdb cdb;
  if (auto ec = iscsi::scsi::decode_report_luns(req.cdb(), cdb)) return cdb_error(req, ec);
  const std::uint8_t select = cdb.select_report;
  const std::uint32_t allocation_length = cdb.allocation_length;
  if (select != kSelectLogicalUnits && select != kSelectWellKnown && select != kSelectAll) {
    return invalid_field_in_cdb(req, 2);
  }
  // SPC-4 6.33.1: an allocation length below 16 is an error, not a truncation.
  if (allocation_length < 16) return invalid_field_in_cdb(req, 6);

  std::vector<std::uint64_t> luns;
  if (select != kSelectWellKnown) {
    // Target::luns() holds only numbers encode_lun() accepts (add_lun checks them).
    for (std::uint16_t lun : target.luns()) luns.push_back(*iscsi::scsi::encode_lun(lun));
  }
  if (select != kSelectLogicalUnits) luns.push_back(Target::kReportLunsWellKnownLun);
  return data_in(req, iscsi::scsi::encode_report_luns(luns), allocation_length);
}

Response handle_report_luns(Request& req) { return report_luns(req, req.lu.target); }

}  // namespace uiscsi::target::scsi::detail
