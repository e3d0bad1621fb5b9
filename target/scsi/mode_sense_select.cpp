// MODE SENSE (6)/(10) and MODE SELECT (6)/(10) (SPC-4 6.9-6.12) over the pages in
// mode_pages.cpp, with the mode parameter header and the block descriptor (SBC-3 6.4.2).
#include <vector>

#include "iscsi/scsi_cdb.h"
#include "target/scsi/detail/block_io.h"
#include "target/scsi/detail/bytes.h"
#include "target/scsi/detail/handlers.h"
#include "target/scsi/detail/lu_state.h"

namespace uiscsi::target::scsi::detail {
namespace {

namespace asc = iscsi::scsi::asc;

constexpr std::uint8_t kWriteProtect = 0x80;  // device-specific parameter WP (SBC-3 6.4.1)
constexpr std::uint8_t kDpoFua = 0x10;        // DPO and FUA supported
constexpr std::size_t kShortDescriptor = 8;
constexpr std::size_t kLongDescriptor = 16;

void block_descriptor(ByteWriter& w, const LuState& lu, bool long_lba, bool changeable) {
  // Nothing in the block descriptor is changeable: its changeable mask is all zero.
  const std::uint64_t blocks = changeable ? 0 : lu.block_count.load(std::memory_order_relaxed);
  const std::uint32_t length = changeable ? 0 : lu.block_size;
  if (long_lba) {
    w.be64(blocks).be32(0).be32(length);
  } else {
    w.be32(blocks > 0xffffffff ? 0xffffffff : static_cast<std::uint32_t>(blocks));
    w.u8(0).u8(static_cast<std::uint8_t>(length >> 16)).be16(static_cast<std::uint16_t>(length));
  }
}

}  // namespace

Response handle_mode_sense(Request& req) {
  iscsi::scsi::ModeSenseCdb cdb;
  if (auto ec = iscsi::scsi::decode_mode_sense(req.cdb(), cdb)) return cdb_error(req, ec);
  const LuState& lu = req.lu;
  const auto pc = static_cast<PageControl>(cdb.page_control);
  if (pc == PageControl::saved) {
    return check_condition(req, iscsi::scsi::SenseKey::illegal_request, asc::saving_parameters_not_supported);
  }
  // Only page_0 formats exist; subpage FFh ("all subpages") is accepted with page 3Fh.
  if (cdb.subpage_code != 0 && !(cdb.subpage_code == 0xff && cdb.page_code == kAllPages)) {
    return invalid_field_in_cdb(req, 3);
  }
  std::vector<std::byte> pages;
  if (!lu.mode.append(cdb.page_code, pc, pages)) return invalid_field_in_cdb(req, 2, 5);

  const std::uint8_t device_specific = static_cast<std::uint8_t>((lu.write_protected() ? kWriteProtect : 0) | kDpoFua);
  const bool long_lba = cdb.ten && cdb.llbaa;
  const std::size_t descriptor_length = cdb.dbd ? 0 : long_lba ? kLongDescriptor : kShortDescriptor;
  ByteWriter w;
  if (cdb.ten) {
    w.be16(0).u8(0).u8(device_specific).u8(long_lba ? 0x01 : 0x00).u8(0);
    w.be16(static_cast<std::uint16_t>(descriptor_length));
  } else {
    w.u8(0).u8(0).u8(device_specific).u8(static_cast<std::uint8_t>(descriptor_length));
  }
  if (descriptor_length != 0) block_descriptor(w, lu, long_lba, pc == PageControl::changeable);
  w.bytes(pages);
  // MODE DATA LENGTH counts the bytes after itself.
  if (cdb.ten) {
    w.patch_be16(0, static_cast<std::uint16_t>(w.size() - 2));
  } else {
    w.patch_u8(0, static_cast<std::uint8_t>(w.size() - 1));
  }
  return data_in(req, w.data(), cdb.allocation_length);
}

Response handle_mode_select(Request& req) {
  const auto cdb = req.cdb();
  const bool ten = get_u8(cdb, 0) == 0x55;
  const std::uint32_t length = ten ? get_be16(cdb, 7) : get_u8(cdb, 4);
  req.expected_length = length;
  // Saved pages are not implemented (SPC-4 6.9: SP = 1 is then INVALID FIELD IN CDB), and
  // only the page format (PF = 1) is understood.
  if (get_bit(cdb, 1, 0)) return invalid_field_in_cdb(req, 1, 0);
  if (!get_bit(cdb, 1, 4)) return invalid_field_in_cdb(req, 1, 4);
  if (length == 0) return good(req);
  if (auto r = check_data_out(req, length)) return std::move(*r);
  LuState& lu = req.lu;
  const auto list = req.command.data_out.first(length);

  const std::size_t header = ten ? 8 : 4;
  if (list.size() < header) return parameter_list_length_error(req);
  const std::size_t descriptors = ten ? get_be16(list, 6) : get_u8(list, 3);
  const bool long_lba = ten && get_bit(list, 4, 0);
  const std::size_t descriptor_size = long_lba ? kLongDescriptor : kShortDescriptor;
  if (header + descriptors > list.size()) return parameter_list_length_error(req);
  if (descriptors != 0 && descriptors != descriptor_size) return invalid_field_in_parameter_list(req, ten ? 6 : 3);
  if (descriptors != 0) {
    // The geometry cannot change: a block descriptor must repeat it (or leave it zero).
    const auto d = list.subspan(header, descriptors);
    const std::uint64_t blocks = long_lba ? get_be64(d, 0) : get_be32(d, 0);
    const std::uint32_t block_length = long_lba ? get_be32(d, 12) : get_be24(d, 5);
    const std::uint64_t count = lu.block_count.load(std::memory_order_relaxed);
    if (blocks != 0 && blocks != count && !(blocks == 0xffffffff && !long_lba && count > 0xffffffff)) {
      return invalid_field_in_parameter_list(req, static_cast<std::uint16_t>(header));
    }
    if (block_length != lu.block_size) {
      return invalid_field_in_parameter_list(req, static_cast<std::uint16_t>(header + (long_lba ? 12 : 5)));
    }
  }

  // Two passes: every page is checked before any is applied.
  bool any_change = false;
  for (const bool apply : {false, true}) {
    for (std::size_t at = header + descriptors; at < list.size();) {
      if (list.size() - at < 2) return parameter_list_length_error(req);
      const std::size_t page_length = 2 + std::size_t{get_u8(list, at + 1)};
      if (get_bit(list, at, 6)) return invalid_field_in_parameter_list(req, static_cast<std::uint16_t>(at), 6);
      if (list.size() - at < page_length) return parameter_list_length_error(req);
      std::size_t bad = 0;
      bool changed = false;
      switch (lu.mode.select(list.subspan(at, page_length), apply, bad, changed)) {
        case ModePages::SelectResult::ok: break;
        case ModePages::SelectResult::unknown_page:
        case ModePages::SelectResult::bad_length:
        case ModePages::SelectResult::not_changeable:
          return invalid_field_in_parameter_list(req, static_cast<std::uint16_t>(at + bad));
      }
      any_change = any_change || changed;
      at += page_length;
    }
  }
  // SPC-4 7.5.2: the other I_T nexuses learn that the parameters changed.
  if (any_change) lu.unit_attentions.establish_except(asc::mode_parameters_changed, req.nexus());
  return good(req);
}

}  // namespace uiscsi::target::scsi::detail
