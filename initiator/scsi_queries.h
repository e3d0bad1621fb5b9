// The SCSI questions an initiator asks a logical unit before using it: INQUIRY and its VPD
// pages, READ CAPACITY, REPORT LUNS. Each sends the command through execute_with_retries()
// and parses the answer with the iscsi/scsi_*.h parsers. For the block API's probe and for
// tools (`uiscsiadm`).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <system_error>
#include <vector>

#include "iscsi/scsi_inquiry.h"

namespace uiscsi::initiator {

class Session;

template <typename T>
struct Answer {
  std::error_code ec;  // a SCSI error (sense), a session error, or a parser's data_errc
  T value{};
};

struct Capacity {
  std::uint64_t blocks = 0;
  std::uint32_t block_length = 0;
  // From READ CAPACITY (16) only (zero / false after the (10) fallback).
  std::uint8_t lbppbe = 0;  // 2^lbppbe logical blocks per physical block
  bool lbpme = false;       // logical block provisioning management (thin) enabled
  bool lbprz = false;       // unmapped blocks read as zero
  bool from_16 = false;     // which command answered
};

// `lun` is always the 8-byte LUN field (iscsi::scsi::encode_lun()).
boost::asio::awaitable<Answer<iscsi::scsi::StandardInquiry>> inquiry(Session& session, std::uint64_t lun);
// The whole VPD page (header included), fetched again with a larger allocation length if
// the first answer says it is longer.
boost::asio::awaitable<Answer<std::vector<std::byte>>> vpd_page(Session& session, std::uint64_t lun,
                                                              std::uint8_t page_code);
// READ CAPACITY (16), or READ CAPACITY (10) when the LUN refuses the former (SBC-3 4.4).
boost::asio::awaitable<Answer<Capacity>> read_capacity(Session& session, std::uint64_t lun);
// The LUN numbers REPORT LUNS lists (entries in another addressing format are skipped).
boost::asio::awaitable<Answer<std::vector<std::uint16_t>>> report_luns(Session& session);

}  // namespace uiscsi::initiator
