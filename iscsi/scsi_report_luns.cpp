#include "iscsi/scsi_report_luns.h"

#include <algorithm>

#include "iscsi/detail/scsi_fields.h"
#include "iscsi/scsi_data_error.h"

namespace uiscsi::iscsi::scsi {

using namespace detail;

namespace {
constexpr std::size_t kHeader = 8;
}  // namespace

std::vector<std::byte> encode_report_luns(std::span<const std::uint64_t> luns) {
  std::vector<std::byte> out(kHeader + 8 * luns.size());
  store_be32(out.data(), static_cast<std::uint32_t>(8 * luns.size()));
  std::byte* p = out.data() + kHeader;
  for (const std::uint64_t lun : luns) {
    store_be64(p, lun);
    p += 8;
  }
  return out;
}

std::error_code parse_report_luns(std::span<const std::byte> data, ReportLunsData& out) {
  if (data.size() < kHeader) return data_errc::truncated;
  ReportLunsData r;
  r.lun_list_length = load_be32(data.data());
  if (r.lun_list_length % 8 != 0) return data_errc::bad_length;
  const std::size_t available = std::min<std::size_t>(r.lun_list_length, data.size() - kHeader);
  r.luns.reserve(available / 8);
  for (std::size_t at = kHeader; at + 8 <= kHeader + available; at += 8) r.luns.push_back(load_be64(data.data() + at));
  out = std::move(r);
  return {};
}

}  // namespace uiscsi::iscsi::scsi
