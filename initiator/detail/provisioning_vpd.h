// The Logical Block Provisioning VPD page (B2h, SBC-3 6.5.4), which iscsi/scsi_inquiry.h
// does not parse: whether UNMAP and WRITE SAME with UNMAP are supported.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>

namespace uiscsi::initiator::detail {

struct ProvisioningVpd {
  std::uint8_t threshold_exponent = 0;
  bool lbpu = false;     // UNMAP supported
  bool lbpws = false;    // WRITE SAME (16) with UNMAP supported
  bool lbpws10 = false;  // WRITE SAME (10) with UNMAP supported
  // LBPRZ: 3 bits in SBC-4 (xx1b: unmapped blocks read as zero), 1 bit in SBC-3.
  std::uint8_t lbprz = 0;
  bool anc_sup = false;  // ANCHOR supported
  bool dp = false;       // a provisioning group descriptor follows
  std::uint8_t provisioning_type = 0;  // 0 full, 1 resource, 2 thin
  friend bool operator==(const ProvisioningVpd&, const ProvisioningVpd&) = default;
};

// The whole page, header included. Needs the header and the first three bytes of contents;
// errors are iscsi::scsi::data_errc (truncated, unexpected_format).
std::error_code parse_provisioning_vpd(std::span<const std::byte> page, ProvisioningVpd& out);

}  // namespace uiscsi::initiator::detail
