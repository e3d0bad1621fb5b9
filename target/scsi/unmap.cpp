// UNMAP (SBC-3 5.28). Every descriptor is checked before any block is deallocated, so a
// bad list changes nothing.
#include <vector>

#include "iscsi/scsi_cdb.h"
#include "iscsi/scsi_unmap.h"
#include "target/scsi/detail/block_io.h"
#include "target/scsi/detail/handlers.h"
#include "target/scsi/detail/lu_state.h"

namespace uiscsi::target::scsi::detail {
namespace {

// Parameter list offsets (SBC-3 5.28.2) for field pointers.
constexpr std::uint16_t kFirstDescriptor = 8;
constexpr std::uint16_t kDescriptorBytes = 16;
constexpr std::uint16_t kDescriptorBlocks = 8;

}  // namespace

Response handle_unmap(Request& req) {
  iscsi::scsi::UnmapCdb cdb;
  if (auto ec = iscsi::scsi::decode_unmap(req.cdb(), cdb)) return cdb_error(req, ec);
  LuState& lu = req.lu;
  req.expected_length = cdb.parameter_list_length;
  if (auto r = check_writable(req)) return std::move(*r);
  if (cdb.parameter_list_length == 0) return good(req);  // SBC-3 5.28.1: nothing to do
  if (auto r = check_data_out(req, cdb.parameter_list_length)) return std::move(*r);

  std::vector<iscsi::scsi::UnmapDescriptor> descriptors;
  if (auto ec = iscsi::scsi::parse_unmap_list(req.command.data_out.first(cdb.parameter_list_length), descriptors)) {
    return cdb_error(req, ec);
  }
  if (descriptors.size() > lu.config.max_unmap_descriptors) return invalid_field_in_parameter_list(req, 2);
  for (std::size_t i = 0; i < descriptors.size(); ++i) {
    const auto& d = descriptors[i];
    if (!lu.in_range(d.lba, d.blocks)) return lba_out_of_range(req);
    if (d.blocks > lu.config.max_unmap_blocks) {
      return invalid_field_in_parameter_list(
          req, static_cast<std::uint16_t>(kFirstDescriptor + i * kDescriptorBytes + kDescriptorBlocks));
    }
  }
  for (const auto& d : descriptors) {
    if (d.blocks == 0) continue;
    auto guard = lu.range_lock.lock_shared(d.lba, d.blocks);
    if (auto ec = lu.backend->unmap(d.lba, d.blocks)) return backend_failure(req, ec, IoDirection::write);
  }
  return good(req);
}

}  // namespace uiscsi::target::scsi::detail
