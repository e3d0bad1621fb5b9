// NOP-Out / NOP-In (RFC 7143 11.18, 11.19): answering the initiator's pings, and pinging an
// idle initiator to find a dead connection.
#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "iscsi/pdu_nop.h"
#include "target/iscsi/connection.h"

namespace uiscsi::target::iscsit {

namespace asio = boost::asio;

namespace {
// How often the pinger looks at the clock: well below the one-second granularity of the
// configuration.
constexpr std::chrono::milliseconds kTick{250};
}  // namespace

void Connection::on_nop_out(const iscsi::Pdu& pdu) {
  const iscsi::NopOut nop = iscsi::NopOut::decode(pdu.bhs);
  // The answer to our ping carries its Target Transfer Tag (RFC 7143 11.18.2).
  if (nop.target_transfer_tag != iscsi::kReservedTag && ping_ttt_ == nop.target_transfer_tag) ping_ttt_.reset();
  // The reserved ITT asks for no answer (RFC 7143 11.18.1).
  if (nop.initiator_task_tag == iscsi::kReservedTag) return;
  iscsi::NopIn answer;
  answer.lun = nop.lun;
  answer.initiator_task_tag = nop.initiator_task_tag;
  answer.target_transfer_tag = iscsi::kReservedTag;
  // The ping data comes back (RFC 7143 11.19.5), within what the initiator accepts.
  const std::size_t length = std::min<std::size_t>(pdu.data.size(), params_.max_send_data_segment_length);
  send({.bhs = answer.encode(), .data = std::vector<std::byte>(pdu.data.begin(), pdu.data.begin() + length)});
}

Connection::Awaitable Connection::nop_pinger() {
  if (nop_.interval.count() <= 0) co_return;
  while (!closing_) {
    nop_timer_.expires_after(kTick);
    auto [ec] = co_await nop_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec || closing_) co_return;
    const auto now = std::chrono::steady_clock::now();
    if (ping_ttt_) {
      if (now - ping_sent_ >= nop_.timeout) {
        close_now(make_error_code(errc::nop_timeout));
        co_return;
      }
      continue;
    }
    if (now - last_received_ < nop_.interval) continue;
    // A ping wants an answer: a Target Transfer Tag, and the reserved ITT (RFC 7143 11.19.1);
    // it carries StatSN without advancing it.
    iscsi::NopIn ping;
    ping.initiator_task_tag = iscsi::kReservedTag;
    ping.target_transfer_tag = next_target_transfer_tag();
    ping_ttt_ = ping.target_transfer_tag;
    ping_sent_ = now;
    send({.bhs = ping.encode(), .stat_sn = StatSn::current});
  }
}

}  // namespace uiscsi::target::iscsit
