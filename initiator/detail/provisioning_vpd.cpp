#include "initiator/detail/provisioning_vpd.h"

#include "iscsi/scsi_data_error.h"
#include "iscsi/scsi_inquiry.h"

namespace uiscsi::initiator::detail {

std::error_code parse_provisioning_vpd(std::span<const std::byte> page, ProvisioningVpd& out) {
  std::span<const std::byte> contents;
  if (auto ec = iscsi::scsi::parse_vpd_page(page, iscsi::scsi::kVpdLogicalBlockProvisioning, contents)) return ec;
  if (contents.size() < 3) return iscsi::scsi::data_errc::truncated;
  const auto flags = std::to_integer<std::uint8_t>(contents[1]);
  ProvisioningVpd v;
  v.threshold_exponent = std::to_integer<std::uint8_t>(contents[0]);
  v.lbpu = (flags & 0x80) != 0;
  v.lbpws = (flags & 0x40) != 0;
  v.lbpws10 = (flags & 0x20) != 0;
  v.lbprz = static_cast<std::uint8_t>((flags >> 2) & 0x07);
  v.anc_sup = (flags & 0x02) != 0;
  v.dp = (flags & 0x01) != 0;
  v.provisioning_type = std::to_integer<std::uint8_t>(contents[2]) & 0x07;
  out = v;
  return {};
}

}  // namespace uiscsi::initiator::detail
