// BlockDevice::open(): what the LUN is and what it can do (initiator/block_device.h).
#include <algorithm>

#include "initiator/block_device.h"
#include "initiator/detail/provisioning_vpd.h"
#include "initiator/error.h"
#include "initiator/scsi_queries.h"
#include "iscsi/scsi_lun.h"

namespace uiscsi::initiator {

namespace asio = boost::asio;

namespace {

// Our own ceilings when the LUN reports no limit (Block Limits field 0, or no page).
constexpr std::uint32_t kDefaultWriteSameBlocks = 65535;
constexpr std::uint32_t kDefaultUnmapDescriptors = 256;

std::uint32_t limit_or(std::uint32_t reported, std::uint32_t ours) { return reported == 0 ? ours : std::min(reported, ours); }

}  // namespace

BlockDevice::BlockDevice(Session& session, std::uint16_t lun, BlockDeviceOptions options)
    : session_(session), lun_(lun), lun_field_(iscsi::scsi::encode_lun(lun).value_or(0)), options_(options) {}

asio::awaitable<BlockDeviceOpen> BlockDevice::open(Session& session, std::uint16_t lun, BlockDeviceOptions options) {
  BlockDeviceOpen out;
  if (!iscsi::scsi::encode_lun(lun)) {
    out.ec = make_error_code(errc::invalid_config);
    out.error = "LUN " + std::to_string(lun) + " cannot be addressed";
    co_return out;
  }
  std::unique_ptr<BlockDevice> device(new BlockDevice(session, lun, options));
  if ((out.ec = co_await device->probe(out.error))) co_return out;
  out.device = std::move(device);
  co_return out;
}

asio::awaitable<std::error_code> BlockDevice::probe(std::string& why) {
  const std::string lun = "LUN " + std::to_string(lun_) + ": ";
  const auto inq = co_await inquiry(session_, lun_field_);
  if (inq.ec) {
    why = lun + "INQUIRY failed: " + inq.ec.message();
    co_return inq.ec;
  }
  if (inq.value.peripheral_qualifier != 0 || inq.value.device_type != iscsi::scsi::kDeviceTypeDisk) {
    why = lun + "not a connected direct-access block device";
    co_return make_error_code(errc::not_supported);
  }
  identity_ = {inq.value.vendor_id, inq.value.product_id, inq.value.revision};

  const auto capacity = co_await read_capacity(session_, lun_field_);
  if (capacity.ec) {
    why = lun + "READ CAPACITY failed: " + capacity.ec.message();
    co_return capacity.ec;
  }
  const Capacity& c = capacity.value;
  if (c.block_length == 0 || c.lbppbe >= 16) {
    why = lun + "unusable capacity data";
    co_return make_error_code(errc::not_supported);
  }
  geometry_ = {c.block_length, c.block_length << c.lbppbe, c.blocks};
  provisioning_.thin = c.lbpme;
  provisioning_.unmapped_reads_zero = c.lbprz;

  // Optional pages: a LUN without them simply gets our defaults.
  iscsi::scsi::BlockLimits reported;
  detail::ProvisioningVpd vpd;
  const auto pages = co_await vpd_page(session_, lun_field_, iscsi::scsi::kVpdSupportedPages);
  std::vector<std::uint8_t> supported;
  if (!pages.ec) (void)iscsi::scsi::parse_supported_vpd_pages(pages.value, supported);
  const auto has = [&supported](std::uint8_t page) {
    return std::find(supported.begin(), supported.end(), page) != supported.end();
  };
  if (has(iscsi::scsi::kVpdBlockLimits)) {
    const auto page = co_await vpd_page(session_, lun_field_, iscsi::scsi::kVpdBlockLimits);
    if (!page.ec) (void)iscsi::scsi::parse_block_limits(page.value, reported);
  }
  bool have_vpd = false;
  if (provisioning_.thin && has(iscsi::scsi::kVpdLogicalBlockProvisioning)) {
    const auto page = co_await vpd_page(session_, lun_field_, iscsi::scsi::kVpdLogicalBlockProvisioning);
    have_vpd = !page.ec && !detail::parse_provisioning_vpd(page.value, vpd);
  }
  // SBC-3 4.7.3.3: UNMAP needs LBPME and LBPU; WRITE SAME with UNMAP needs LBPWS.
  provisioning_.unmap = provisioning_.thin && have_vpd && vpd.lbpu;
  provisioning_.write_same_unmap = provisioning_.thin && have_vpd && vpd.lbpws;

  // Expected Data Transfer Length is 32 bits; our max_io_bytes, then the LUN, lower it.
  const std::uint32_t ours = std::max<std::uint32_t>(options_.max_io_bytes / geometry_.block_size, 1);
  limits_.max_transfer_blocks = limit_or(reported.max_transfer_length, ours);
  limits_.optimal_transfer_blocks = reported.optimal_transfer_length;
  limits_.max_write_same_blocks = static_cast<std::uint32_t>(
      reported.max_write_same_length == 0 ? kDefaultWriteSameBlocks
                                          : std::min<std::uint64_t>(reported.max_write_same_length, 0xffffffffu));
  limits_.max_unmap_blocks = limit_or(reported.max_unmap_lba_count, 0xffffffffu);
  limits_.max_unmap_descriptors = limit_or(reported.max_unmap_block_descriptor_count, kDefaultUnmapDescriptors);
  limits_.unmap_granularity = reported.optimal_unmap_granularity;
  zeroes_.assign(geometry_.block_size, std::byte{0});
  co_return std::error_code{};
}

}  // namespace uiscsi::initiator
