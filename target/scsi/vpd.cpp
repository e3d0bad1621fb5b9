// VPD pages: supported pages (00h), unit serial number (80h), device identification (83h),
// block limits (B0h), block device characteristics (B1h), logical block provisioning (B2h).
#include "target/scsi/detail/vpd.h"

#include <algorithm>
#include <array>

#include "iscsi/scsi_inquiry.h"
#include "target/scsi/detail/bytes.h"
#include "target/scsi/detail/lu_state.h"
#include "target/scsi/detail/lun_commands.h"
#include "target/scsi/target.h"

namespace uiscsi::target::scsi::detail {
namespace {

namespace inq = iscsi::scsi;

constexpr std::array<std::uint8_t, 6> kPages = {
    inq::kVpdSupportedPages,  inq::kVpdUnitSerialNumber,          inq::kVpdDeviceIdentification,
    inq::kVpdBlockLimits,     inq::kVpdBlockDeviceCharacteristics, inq::kVpdLogicalBlockProvisioning,
};

// Designation descriptor fields (SPC-4 7.8.6.1).
constexpr std::uint8_t kProtocolIscsi = 0x5;
constexpr std::uint8_t kCodeSetBinary = 0x1;
constexpr std::uint8_t kCodeSetAscii = 0x2;
constexpr std::uint8_t kCodeSetUtf8 = 0x3;
constexpr std::uint8_t kAssocLogicalUnit = 0x0;
constexpr std::uint8_t kAssocTargetPort = 0x1;
constexpr std::uint8_t kAssocTargetDevice = 0x2;
constexpr std::uint8_t kTypeT10Vendor = 0x1;
constexpr std::uint8_t kTypeNaa = 0x3;
constexpr std::uint8_t kTypeRelativeTargetPort = 0x4;
constexpr std::uint8_t kTypeTargetPortGroup = 0x5;
constexpr std::uint8_t kTypeScsiName = 0x8;

// One designation descriptor. PIV (protocol identifier valid) is set for the port and
// device associations, whose designators are iSCSI-specific.
void designator(ByteWriter& w, std::uint8_t code_set, std::uint8_t association, std::uint8_t type,
                std::span<const std::byte> value) {
  const bool piv = association != kAssocLogicalUnit;
  w.u8(static_cast<std::uint8_t>((piv ? kProtocolIscsi << 4 : 0) | code_set));
  w.u8(static_cast<std::uint8_t>((piv ? 0x80 : 0) | (association << 4) | type));
  w.u8(0).u8(static_cast<std::uint8_t>(value.size()));
  w.bytes(value);
}

// SCSI name string (SPC-4 7.8.6.11): UTF-8, NUL-terminated, padded to a multiple of 4.
std::vector<std::byte> scsi_name(std::string_view name) {
  std::vector<std::byte> v(name.size() + 1);
  std::transform(name.begin(), name.end(), v.begin(), [](char c) { return static_cast<std::byte>(c); });
  v.resize((v.size() + 3) & ~std::size_t{3});
  return v;
}

std::vector<std::byte> device_identification(const Request& req) {
  const LuState& lu = req.lu;
  ByteWriter w;
  designator(w, kCodeSetBinary, kAssocLogicalUnit, kTypeNaa, lu.naa);

  ByteWriter t10;  // T10 VENDOR IDENTIFICATION, then the serial number
  t10.ascii(lu.config.vendor, 8);
  for (char c : lu.config.serial) t10.u8(static_cast<std::uint8_t>(c));
  designator(w, kCodeSetAscii, kAssocLogicalUnit, kTypeT10Vendor, t10.data());

  std::array<std::byte, 4> rtpi{};
  put_be16(rtpi, 2, req.nexus().relative_target_port_id);
  designator(w, kCodeSetBinary, kAssocTargetPort, kTypeRelativeTargetPort, rtpi);

  std::array<std::byte, 4> tpg{};
  put_be16(tpg, 2, lu.target.config().target_port_group);
  designator(w, kCodeSetBinary, kAssocTargetPort, kTypeTargetPortGroup, tpg);

  // Name strings are limited to 255 bytes by the one-byte DESIGNATOR LENGTH; iSCSI names
  // are at most 223 bytes (RFC 7143 4.2.7.1), so with ",t,0x...." they fit.
  if (!req.nexus().target_port.empty() && req.nexus().target_port.size() < 252) {
    designator(w, kCodeSetUtf8, kAssocTargetPort, kTypeScsiName, scsi_name(req.nexus().target_port));
  }
  const std::string& target_name = lu.target.config().name;
  if (!target_name.empty() && target_name.size() < 252) {
    designator(w, kCodeSetUtf8, kAssocTargetDevice, kTypeScsiName, scsi_name(target_name));
  }
  return std::move(w.data());
}

std::vector<std::byte> block_limits(const LuState& lu) {
  inq::BlockLimits limits;
  // WSNZ = 0: WRITE SAME with NUMBER OF LOGICAL BLOCKS 0 means "to the last block".
  limits.max_compare_and_write_length = lu.config.max_compare_and_write_blocks;
  limits.optimal_transfer_length_granularity = static_cast<std::uint16_t>(lu.blocks_per_physical);
  limits.max_transfer_length = lu.max_transfer_blocks();
  limits.optimal_transfer_length = lu.max_transfer_blocks();
  if (lu.features.unmap) {
    limits.max_unmap_lba_count = lu.config.max_unmap_blocks;
    limits.max_unmap_block_descriptor_count = lu.config.max_unmap_descriptors;
    limits.optimal_unmap_granularity = lu.blocks_per_allocation_unit;
  }
  limits.max_write_same_length = lu.config.max_write_same_blocks;
  return inq::encode_block_limits(limits);
}

std::vector<std::byte> block_device_characteristics(const LuState& lu) {
  ByteWriter w;
  // MEDIUM ROTATION RATE 0001h: non-rotating medium (SBC-3 6.5.2); 0: not reported.
  w.be16(lu.features.non_rotational ? 1 : 0).zeroes(0x3c - 2);
  return inq::encode_vpd_page(inq::kVpdBlockDeviceCharacteristics, w.data());
}

std::vector<std::byte> logical_block_provisioning(const LuState& lu) {
  ByteWriter w;
  w.u8(0);  // THRESHOLD EXPONENT: no thresholds
  std::uint8_t flags = 0;
  if (lu.features.unmap) {
    flags |= 0x80 | 0x40 | 0x20;  // LBPU, LBPWS, LBPWS10: UNMAP and WRITE SAME (10/16) with UNMAP
    if (lu.features.unmap_reads_zeroes) flags |= 0x04;  // LBPRZ
  }
  w.u8(flags);
  w.u8(lu.features.unmap ? 0x02 : 0x00);  // PROVISIONING TYPE: thin, or fully provisioned
  w.u8(0);
  return inq::encode_vpd_page(inq::kVpdLogicalBlockProvisioning, w.data());
}

}  // namespace

std::optional<std::vector<std::byte>> vpd_page(const Request& req, std::uint8_t page_code) {
  const LuState& lu = req.lu;
  switch (page_code) {
    case inq::kVpdSupportedPages: return inq::encode_supported_vpd_pages(kPages);
    case inq::kVpdUnitSerialNumber: {
      const auto* p = reinterpret_cast<const std::byte*>(lu.config.serial.data());
      return inq::encode_vpd_page(page_code, {p, lu.config.serial.size()});
    }
    case inq::kVpdDeviceIdentification: return inq::encode_vpd_page(page_code, device_identification(req));
    case inq::kVpdBlockLimits: return block_limits(lu);
    case inq::kVpdBlockDeviceCharacteristics: return block_device_characteristics(lu);
    case inq::kVpdLogicalBlockProvisioning: return logical_block_provisioning(lu);
    default: return std::nullopt;
  }
}

}  // namespace uiscsi::target::scsi::detail
