// REPORT LUNS parameter data (SPC-4 6.33): a 4-byte LUN LIST LENGTH, 4 reserved bytes and
// 8-byte LUN entries (as std::uint64_t, see iscsi/scsi_lun.h). The target encodes it; the
// initiator parses it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>
#include <vector>

namespace uiscsi::iscsi::scsi {

struct ReportLunsData {
  // What the target has: LUN LIST LENGTH / 8 entries, possibly more than were transferred.
  std::uint32_t lun_list_length = 0;
  // The complete entries that fit in the transferred data.
  std::vector<std::uint64_t> luns;

  // False when the allocation length was too small: retry with 8 + lun_list_length bytes.
  bool complete() const noexcept { return luns.size() * 8 >= lun_list_length; }
  friend bool operator==(const ReportLunsData&, const ReportLunsData&) = default;
};

// The full list; the target applies the allocation length by transferring a prefix.
std::vector<std::byte> encode_report_luns(std::span<const std::uint64_t> luns);
// Needs the 8-byte header. `out` is replaced.
std::error_code parse_report_luns(std::span<const std::byte> data, ReportLunsData& out);

}  // namespace uiscsi::iscsi::scsi
