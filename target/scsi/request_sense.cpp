// REQUEST SENSE (SPC-4 6.29): reports (and clears) a pending unit attention, else the
// state of the logical unit, as parameter data with GOOD status.
#include "iscsi/scsi_cdb.h"
#include "target/scsi/detail/handlers.h"
#include "target/scsi/detail/lu_state.h"

namespace uiscsi::target::scsi::detail {

Response handle_request_sense(Request& req) {
  iscsi::scsi::RequestSenseCdb cdb;
  if (auto ec = iscsi::scsi::decode_request_sense(req.cdb(), cdb)) return cdb_error(req, ec);
  LuState& lu = req.lu;
  iscsi::scsi::SenseData sense;
  if (auto ua = lu.unit_attentions.take(req.nexus())) {
    sense.code = {iscsi::scsi::SenseKey::unit_attention, *ua};
  } else if (lu.stopped.load(std::memory_order_relaxed)) {
    sense.code = {iscsi::scsi::SenseKey::not_ready, iscsi::scsi::asc::logical_unit_not_ready_initializing_required};
  }
  const auto format = cdb.descriptor_format ? iscsi::scsi::SenseFormat::descriptor : iscsi::scsi::SenseFormat::fixed;
  return data_in(req, iscsi::scsi::encode_sense(sense, format), cdb.allocation_length);
}

}  // namespace uiscsi::target::scsi::detail
