#include "fake_disk.h"

#include <algorithm>
#include <cstring>

#include "iscsi/scsi_capacity.h"
#include "iscsi/scsi_cdb.h"
#include "iscsi/scsi_inquiry.h"
#include "iscsi/scsi_lun.h"
#include "iscsi/scsi_report_luns.h"
#include "iscsi/scsi_status.h"
#include "iscsi/scsi_unmap.h"
#include "iscsi/sense.h"

namespace uiscsi::initiator::test {

namespace scsi = iscsi::scsi;

namespace {

ScsiOutcome good(std::vector<std::byte> data = {}) { return {0, {}, std::move(data)}; }

ScsiOutcome check(scsi::SenseKey key, scsi::AdditionalSense asc) {
  scsi::SenseData sense;
  sense.code = {key, asc};
  return {static_cast<std::uint8_t>(scsi::Status::check_condition),
          scsi::encode_sense_segment(sense, scsi::SenseFormat::fixed), {}};
}

ScsiOutcome check(const std::error_code& ec) {
  const auto code = scsi::to_sense_code(ec);
  return check(code ? code->key : scsi::SenseKey::illegal_request,
               code ? code->additional : scsi::asc::invalid_field_in_cdb);
}

ScsiOutcome invalid_opcode() { return check(scsi::SenseKey::illegal_request, scsi::asc::invalid_command_operation_code); }
ScsiOutcome out_of_range() { return check(scsi::SenseKey::illegal_request, scsi::asc::lba_out_of_range); }

}  // namespace

FakeDisk::FakeDisk(FakeDiskConfig config)
    : config_(config), data_(config.block_size * config.blocks), mapped_(config.blocks, !config.thin) {}

ScsiOutcome FakeDisk::execute(std::uint16_t lun, std::span<const std::byte> cdb, std::span<const std::byte> data_out) {
  const auto opcode = static_cast<scsi::Opcode>(cdb[0]);
  if (opcode == scsi::Opcode::report_luns) {
    const std::uint64_t luns[] = {*scsi::encode_lun(1)};
    return good(scsi::encode_report_luns(luns));
  }
  if (lun != 1) return check(scsi::SenseKey::illegal_request, scsi::asc::logical_unit_not_supported);
  if (scsi::is_read_write(std::to_integer<std::uint8_t>(cdb[0]))) return read_write(cdb, data_out);
  switch (opcode) {
    case scsi::Opcode::test_unit_ready: return good();
    case scsi::Opcode::inquiry: return inquiry(cdb);
    case scsi::Opcode::service_action_in_16:
      if (!config_.read_capacity_16) return invalid_opcode();
      return service_action_in(cdb);
    case scsi::Opcode::read_capacity_10: {
      const scsi::ReadCapacity10Data rc{scsi::read_capacity_10_lba(config_.blocks), config_.block_size};
      const auto bytes = scsi::encode_read_capacity_10(rc);
      return good({bytes.begin(), bytes.end()});
    }
    case scsi::Opcode::synchronize_cache_10:
    case scsi::Opcode::synchronize_cache_16: ++counters_.synchronize_cache; return good();
    case scsi::Opcode::unmap:
      if (!config_.thin) return invalid_opcode();
      return unmap(data_out);
    default: return invalid_opcode();
  }
}

ScsiOutcome FakeDisk::read_write(std::span<const std::byte> cdb, std::span<const std::byte> data_out) {
  scsi::ReadWrite rw;
  if (auto ec = scsi::decode_read_write(cdb, rw)) return check(ec);
  const std::uint64_t bs = config_.block_size;
  if (rw.op == scsi::BlockOp::write_same) {
    ++counters_.write_same;  // counted even when refused: the initiator did send it
    if (!config_.write_same) return invalid_opcode();
  }
  if (rw.lba > config_.blocks || rw.transfer_length > config_.blocks - rw.lba) return out_of_range();
  counters_.largest_transfer_blocks = std::max(counters_.largest_transfer_blocks, rw.transfer_length);
  switch (rw.op) {
    case scsi::BlockOp::read: {
      ++(rw.opcode == scsi::Opcode::read_16 ? counters_.read_16 : counters_.read_10);
      const auto begin = data_.begin() + static_cast<std::ptrdiff_t>(rw.lba * bs);
      return good({begin, begin + static_cast<std::ptrdiff_t>(rw.transfer_length * bs)});
    }
    case scsi::BlockOp::write: {
      ++(rw.opcode == scsi::Opcode::write_16 ? counters_.write_16 : counters_.write_10);
      if (rw.fua) ++counters_.fua_writes;
      if (data_out.size() != rw.transfer_length * bs) {
        return check(scsi::SenseKey::illegal_request, scsi::asc::invalid_field_in_cdb);
      }
      std::memcpy(data_.data() + rw.lba * bs, data_out.data(), data_out.size());
      for (std::uint64_t b = 0; b < rw.transfer_length; ++b) mapped_[rw.lba + b] = true;
      return good();
    }
    case scsi::BlockOp::write_same: {
      if (data_out.size() != bs) return check(scsi::SenseKey::illegal_request, scsi::asc::invalid_field_in_cdb);
      const bool zero = std::all_of(data_out.begin(), data_out.end(), [](std::byte b) { return b == std::byte{0}; });
      if (rw.unmap) ++counters_.write_same_unmap;
      for (std::uint64_t b = 0; b < rw.transfer_length; ++b) {
        std::memcpy(data_.data() + (rw.lba + b) * bs, data_out.data(), bs);
        mapped_[rw.lba + b] = !(rw.unmap && zero && config_.thin);
      }
      return good();
    }
    default: return invalid_opcode();
  }
}

ScsiOutcome FakeDisk::inquiry(std::span<const std::byte> cdb) {
  scsi::InquiryCdb c;
  if (auto ec = scsi::decode_inquiry(cdb, c)) return check(ec);
  if (!c.evpd) {
    scsi::StandardInquiry s;
    s.vendor_id = "UISCSI";
    s.product_id = "FAKE DISK";
    s.revision = "0001";
    return good(scsi::encode_standard_inquiry(s));
  }
  switch (c.page_code) {
    case scsi::kVpdSupportedPages: {
      const std::uint8_t pages[] = {scsi::kVpdSupportedPages, scsi::kVpdBlockLimits,
                                    scsi::kVpdLogicalBlockProvisioning};
      return good(scsi::encode_supported_vpd_pages(pages));
    }
    case scsi::kVpdBlockLimits: {
      scsi::BlockLimits l;
      l.max_transfer_length = config_.max_transfer_blocks;
      l.max_write_same_length = config_.max_write_same_blocks;
      l.max_unmap_lba_count = 1024;
      l.max_unmap_block_descriptor_count = 4;
      return good(scsi::encode_block_limits(l));
    }
    case scsi::kVpdLogicalBlockProvisioning: {
      // SBC-3 6.5.4: threshold exponent, LBPU | LBPWS | LBPRZ, provisioning type 2 (thin).
      const std::byte contents[] = {std::byte{0}, std::byte{static_cast<std::uint8_t>(config_.thin ? 0xc4 : 0x00)}, std::byte{2}, std::byte{0}};
      return good(scsi::encode_vpd_page(scsi::kVpdLogicalBlockProvisioning, contents));
    }
    default: return check(scsi::SenseKey::illegal_request, scsi::asc::invalid_field_in_cdb);
  }
}

ScsiOutcome FakeDisk::service_action_in(std::span<const std::byte> cdb) {
  scsi::ServiceActionIn16Cdb c;
  if (auto ec = scsi::decode_service_action_in_16(cdb, c)) return check(ec);
  if (c.action == scsi::ServiceActionIn16::read_capacity_16) {
    scsi::ReadCapacity16Data rc;
    rc.returned_lba = config_.blocks - 1;
    rc.block_length = config_.block_size;
    rc.lbpme = config_.thin;
    rc.lbprz = config_.thin;
    const auto bytes = scsi::encode_read_capacity_16(rc);
    return good({bytes.begin(), bytes.end()});
  }
  ++counters_.get_lba_status;
  if (!config_.thin) return invalid_opcode();
  if (c.lba >= config_.blocks) return out_of_range();
  // One descriptor per run of equal provisioning status from the LBA on (SBC-3 5.8).
  std::vector<scsi::LbaStatusDescriptor> runs;
  for (std::uint64_t lba = c.lba; lba < config_.blocks && runs.size() < 64;) {
    std::uint64_t end = lba;
    while (end < config_.blocks && mapped_[end] == mapped_[lba]) ++end;
    runs.push_back({lba, static_cast<std::uint32_t>(end - lba),
                    mapped_[lba] ? scsi::ProvisioningStatus::mapped : scsi::ProvisioningStatus::deallocated});
    lba = end;
  }
  return good(scsi::encode_lba_status(runs));
}

ScsiOutcome FakeDisk::unmap(std::span<const std::byte> data_out) {
  ++counters_.unmap;
  std::vector<scsi::UnmapDescriptor> list;
  if (scsi::parse_unmap_list(data_out, list)) {
    return check(scsi::SenseKey::illegal_request, scsi::asc::invalid_field_in_parameter_list);
  }
  for (const auto& d : list) {
    if (d.lba > config_.blocks || d.blocks > config_.blocks - d.lba) return out_of_range();
    std::memset(data_.data() + d.lba * config_.block_size, 0, std::size_t{d.blocks} * config_.block_size);
    for (std::uint64_t b = 0; b < d.blocks; ++b) mapped_[d.lba + b] = false;
  }
  return good();
}

}  // namespace uiscsi::initiator::test
