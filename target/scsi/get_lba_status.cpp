// GET LBA STATUS (SBC-3 5.8): the provisioning status of the blocks from the STARTING
// LOGICAL BLOCK ADDRESS on, as a list of extents.
#include <algorithm>
#include <limits>
#include <vector>

#include "iscsi/scsi_capacity.h"
#include "iscsi/scsi_cdb.h"
#include "target/scsi/detail/handlers.h"
#include "target/scsi/detail/lu_state.h"

namespace uiscsi::target::scsi::detail {
namespace {

constexpr std::uint32_t kHeaderBytes = 8;
constexpr std::uint32_t kDescriptorBytes = 16;
// Descriptors per command: enough to describe a fragmented region, small enough to bound
// the work one command does.
constexpr std::uint32_t kMaxDescriptors = 64;

iscsi::scsi::ProvisioningStatus to_status(ProvisioningState s) {
  switch (s) {
    case ProvisioningState::deallocated: return iscsi::scsi::ProvisioningStatus::deallocated;
    case ProvisioningState::anchored: return iscsi::scsi::ProvisioningStatus::anchored;
    case ProvisioningState::mapped: break;
  }
  return iscsi::scsi::ProvisioningStatus::mapped;
}

}  // namespace

Response handle_get_lba_status(Request& req) {
  iscsi::scsi::ServiceActionIn16Cdb cdb;
  if (auto ec = iscsi::scsi::decode_service_action_in_16(req.cdb(), cdb)) return cdb_error(req, ec);
  LuState& lu = req.lu;
  const std::uint64_t count = lu.block_count.load(std::memory_order_relaxed);
  if (cdb.lba >= count) return lba_out_of_range(req);

  // Only as many descriptors as the allocation length can carry (at least one, so the
  // PARAMETER DATA LENGTH is meaningful even for a short buffer).
  const std::uint32_t room =
      cdb.allocation_length > kHeaderBytes ? (cdb.allocation_length - kHeaderBytes) / kDescriptorBytes : 0;
  const std::uint32_t wanted = std::clamp<std::uint32_t>(room, 1, kMaxDescriptors);
  std::vector<iscsi::scsi::LbaStatusDescriptor> descriptors;
  std::uint64_t lba = cdb.lba;
  while (lba < count && descriptors.size() < wanted) {
    Extent extent;
    if (auto ec = lu.backend->provisioning_status(lba, extent)) return backend_failure(req, ec, IoDirection::read);
    // A descriptor counts blocks in 32 bits; a longer extent continues in the next one.
    const auto blocks = static_cast<std::uint32_t>(
        std::min<std::uint64_t>({extent.blocks, count - lba, std::numeric_limits<std::uint32_t>::max()}));
    if (blocks == 0) break;
    descriptors.push_back({lba, blocks, to_status(extent.state)});
    lba += blocks;
  }
  return data_in(req, iscsi::scsi::encode_lba_status(descriptors), cdb.allocation_length);
}

}  // namespace uiscsi::target::scsi::detail
