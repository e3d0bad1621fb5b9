// READ CAPACITY (10) and (16) (SBC-3 5.15, 5.16).
#include <bit>

#include "iscsi/scsi_capacity.h"
#include "iscsi/scsi_cdb.h"
#include "target/scsi/detail/bytes.h"
#include "target/scsi/detail/handlers.h"
#include "target/scsi/detail/lu_state.h"

namespace uiscsi::target::scsi::detail {

Response handle_read_capacity10(Request& req) {
  const auto cdb = req.cdb();
  // The LOGICAL BLOCK ADDRESS must be 0 unless PMI is set (SBC-3 5.15.1); with PMI the
  // last LBA is still the answer, as no delay is ever substantial here.
  if (!get_bit(cdb, 8, 0) && get_be32(cdb, 2) != 0) return invalid_field_in_cdb(req, 2);
  const LuState& lu = req.lu;
  const auto data = iscsi::scsi::encode_read_capacity_10(
      {iscsi::scsi::read_capacity_10_lba(lu.block_count.load(std::memory_order_relaxed)), lu.block_size});
  return data_in(req, data, static_cast<std::uint32_t>(data.size()));
}

Response handle_read_capacity16(Request& req) {
  iscsi::scsi::ServiceActionIn16Cdb cdb;
  if (auto ec = iscsi::scsi::decode_service_action_in_16(req.cdb(), cdb)) return cdb_error(req, ec);
  if (!get_bit(req.cdb(), 14, 0) && cdb.lba != 0) return invalid_field_in_cdb(req, 2);
  const LuState& lu = req.lu;
  iscsi::scsi::ReadCapacity16Data data;
  data.returned_lba = lu.block_count.load(std::memory_order_relaxed) - 1;
  data.block_length = lu.block_size;
  data.lbppbe = static_cast<std::uint8_t>(std::countr_zero(lu.blocks_per_physical));
  data.lbpme = lu.features.unmap;
  data.lbprz = lu.features.unmap && lu.features.unmap_reads_zeroes;
  return data_in(req, iscsi::scsi::encode_read_capacity_16(data), cdb.allocation_length);
}

}  // namespace uiscsi::target::scsi::detail
