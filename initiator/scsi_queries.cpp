#include "initiator/scsi_queries.h"

#include "initiator/command.h"
#include "initiator/scsi_retry.h"
#include "initiator/session.h"
#include "iscsi/scsi_capacity.h"
#include "iscsi/scsi_cdb_build.h"
#include "iscsi/scsi_lun.h"
#include "iscsi/scsi_report_luns.h"
#include "iscsi/sense_codes.h"

namespace uiscsi::initiator {

namespace asio = boost::asio;
namespace cdb = iscsi::scsi::cdb;

namespace {

// Runs a data-in command into a fresh buffer of `length` bytes; on success the buffer is
// cut to the bytes the target sent.
asio::awaitable<Answer<std::vector<std::byte>>> read_data(Session& session, std::uint64_t lun,
                                                          const iscsi::scsi::Cdb& cdb, std::uint32_t length) {
  Answer<std::vector<std::byte>> out;
  out.value.resize(length);
  const iovec iov{out.value.data(), out.value.size()};
  Command c;
  c.lun = lun;
  c.cdb = cdb;
  c.direction = DataDirection::read;
  c.buffers = {&iov, 1};
  c.transfer_length = length;
  const CommandResult r = co_await execute_with_retries(session, c);
  out.ec = r.ec;
  out.value.resize(std::min<std::size_t>(r.data_in_bytes, length));
  co_return out;
}

// The LUN refuses the command as such (not a transient condition).
bool refused(const std::error_code& ec) {
  const auto code = iscsi::scsi::to_sense_code(ec);
  return code && code->key == iscsi::scsi::SenseKey::illegal_request;
}

}  // namespace

asio::awaitable<Answer<iscsi::scsi::StandardInquiry>> inquiry(Session& session, std::uint64_t lun) {
  constexpr std::uint16_t kLength = 96;
  Answer<iscsi::scsi::StandardInquiry> out;
  const auto data = co_await read_data(session, lun, cdb::inquiry(kLength), kLength);
  out.ec = data.ec ? data.ec : iscsi::scsi::parse_standard_inquiry(data.value, out.value);
  co_return out;
}

asio::awaitable<Answer<std::vector<std::byte>>> vpd_page(Session& session, std::uint64_t lun, std::uint8_t page_code) {
  constexpr std::uint16_t kFirst = 255;
  auto data = co_await read_data(session, lun, cdb::inquiry_vpd(page_code, kFirst), kFirst);
  if (data.ec || data.value.size() < 4) co_return data;
  // SPC-4 7.8.1: PAGE LENGTH counts the bytes after the 4-byte header.
  const std::size_t whole =
      4 + ((std::to_integer<std::size_t>(data.value[2]) << 8) | std::to_integer<std::size_t>(data.value[3]));
  if (whole <= kFirst) co_return data;
  const auto length = static_cast<std::uint16_t>(std::min<std::size_t>(whole, 0xffff));
  co_return co_await read_data(session, lun, cdb::inquiry_vpd(page_code, length), length);
}

asio::awaitable<Answer<Capacity>> read_capacity(Session& session, std::uint64_t lun) {
  Answer<Capacity> out;
  const auto data16 =
      co_await read_data(session, lun, cdb::read_capacity_16(iscsi::scsi::kReadCapacity16Length),
                         iscsi::scsi::kReadCapacity16Length);
  if (!data16.ec) {
    iscsi::scsi::ReadCapacity16Data rc;
    if ((out.ec = iscsi::scsi::parse_read_capacity_16(data16.value, rc))) co_return out;
    out.value = {rc.returned_lba + 1, rc.block_length, rc.lbppbe, rc.lbpme, rc.lbprz, true};
    co_return out;
  }
  if (!refused(data16.ec)) {
    out.ec = data16.ec;
    co_return out;
  }
  const auto data10 = co_await read_data(session, lun, cdb::read_capacity_10(), iscsi::scsi::kReadCapacity10Length);
  if ((out.ec = data10.ec)) co_return out;
  iscsi::scsi::ReadCapacity10Data rc;
  if ((out.ec = iscsi::scsi::parse_read_capacity_10(data10.value, rc))) co_return out;
  // 0xffffffff: too large for (10), and (16) was refused: nothing usable.
  if (rc.returned_lba == 0xffffffff) {
    out.ec = data16.ec;
    co_return out;
  }
  out.value = {std::uint64_t{rc.returned_lba} + 1, rc.block_length, 0, false, false, false};
  co_return out;
}

asio::awaitable<Answer<std::vector<std::uint16_t>>> report_luns(Session& session) {
  Answer<std::vector<std::uint16_t>> out;
  std::uint32_t length = 8 + 8 * 64;
  for (int attempt = 0; attempt < 2; ++attempt) {
    // REPORT LUNS is addressed to LUN 0 (SPC-4 6.33), which every target must have.
    const auto data = co_await read_data(session, 0, cdb::report_luns(length), length);
    iscsi::scsi::ReportLunsData list;
    if ((out.ec = data.ec ? data.ec : iscsi::scsi::parse_report_luns(data.value, list))) co_return out;
    if (list.complete() || attempt == 1) {
      out.value.clear();
      for (const std::uint64_t field : list.luns) {
        if (const auto n = iscsi::scsi::decode_lun(field)) out.value.push_back(*n);
      }
      co_return out;
    }
    length = 8 + list.lun_list_length;
  }
  co_return out;
}

}  // namespace uiscsi::initiator
