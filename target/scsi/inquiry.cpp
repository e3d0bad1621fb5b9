// INQUIRY (SPC-4 6.6): standard data here, VPD pages in vpd.cpp.
#include "iscsi/scsi_cdb.h"
#include "iscsi/scsi_inquiry.h"
#include "target/scsi/detail/lu_state.h"
#include "target/scsi/detail/lun_commands.h"
#include "target/scsi/detail/vpd.h"

namespace uiscsi::target::scsi::detail {
namespace {

// Version descriptors (SPC-4 table 31): SAM-5, iSCSI, SPC-4, SBC-3.
constexpr std::uint16_t kSam5 = 0x00a0;
constexpr std::uint16_t kIscsi = 0x0960;
constexpr std::uint16_t kSpc4 = 0x0460;
constexpr std::uint16_t kSbc3 = 0x04c0;

// TPGS = 01b: implicit asymmetric access only, reported by REPORT TARGET PORT GROUPS.
constexpr std::uint8_t kTpgsImplicit = 0x1;

}  // namespace

std::vector<std::byte> standard_inquiry_data(std::uint8_t peripheral, const LuConfig& config) {
  iscsi::scsi::StandardInquiry inq;
  inq.peripheral_qualifier = peripheral >> 5;
  inq.device_type = peripheral & 0x1f;
  inq.tpgs = kTpgsImplicit;
  inq.cmdque = true;  // commands run concurrently, with SIMPLE task attributes (SAM-5)
  inq.vendor_id = config.vendor;
  inq.product_id = config.product;
  inq.revision = config.revision;
  inq.version_descriptors = {kSam5, kIscsi, kSpc4, kSbc3};
  return iscsi::scsi::encode_standard_inquiry(inq);
}

Response handle_inquiry(Request& req) {
  iscsi::scsi::InquiryCdb cdb;
  if (auto ec = iscsi::scsi::decode_inquiry(req.cdb(), cdb)) return invalid_field_in_cdb(req, 2);
  if (!cdb.evpd) return data_in(req, standard_inquiry_data(kDirectAccessBlockDevice, req.lu.config), cdb.allocation_length);
  auto page = vpd_page(req, cdb.page_code);
  if (!page) return invalid_field_in_cdb(req, 2);
  return data_in(req, *page, cdb.allocation_length);
}

}  // namespace uiscsi::target::scsi::detail
