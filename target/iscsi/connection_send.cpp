// The send queue of a connection: every PDU of Full Feature Phase goes through it, so the
// sequence numbers it carries are stamped in the order the PDUs reach the wire.
#include <boost/asio/co_spawn.hpp>

#include "target/iscsi/connection.h"

namespace uiscsi::target::iscsit {

namespace asio = boost::asio;

namespace {
// StatSN, ExpCmdSN and MaxCmdSN sit at the same place in every target PDU that has them
// (RFC 7143 11.4, 11.6, 11.7.2, 11.8, 11.9, 11.11, 11.13, 11.15, 11.17, 11.19).
constexpr std::size_t kStatSnOffset = 24;
constexpr std::size_t kExpCmdSnOffset = 28;
constexpr std::size_t kMaxCmdSnOffset = 32;
}  // namespace

std::uint32_t Connection::next_target_transfer_tag() noexcept {
  // 0xffffffff is the reserved tag (RFC 7143 11.8, 11.19): never hand it out.
  if (next_ttt_ == iscsi::kReservedTag) next_ttt_ = 1;
  return next_ttt_++;
}

void Connection::send(Outgoing out) {
  if (closing_) return;
  queue_.push_back(std::move(out));
  if (writing_) return;
  writing_ = true;
  asio::co_spawn(io_, [self = shared_from_this()] { return self->write_queue(); },
                 [self = shared_from_this()](std::exception_ptr e) {
                   if (e) self->close_now(make_error_code(errc::out_of_resources));
                 });
}

// One PDU at a time: sequence numbers are stamped just before the PDU is handed to the
// transport, so StatSN rises on the wire in order even when responses are queued by
// several code paths.
Connection::Awaitable Connection::write_queue() {
  while (!queue_.empty() && !closing_) {
    Outgoing out = std::move(queue_.front());
    queue_.pop_front();
    switch (out.stat_sn) {
      case StatSn::advance: out.bhs.set_u32(kStatSnOffset, stat_sn_++); break;
      case StatSn::current: out.bhs.set_u32(kStatSnOffset, stat_sn_); break;
      case StatSn::none: break;
    }
    if (out.window && session_) {
      const auto [exp_cmd_sn, max_cmd_sn] = session_->window();
      out.bhs.set_u32(kExpCmdSnOffset, exp_cmd_sn);
      out.bhs.set_u32(kMaxCmdSnOffset, max_cmd_sn);
    }
    const std::span<const std::byte> data = out.data.empty() ? out.view : std::span<const std::byte>(out.data);
    iovec iov{const_cast<std::byte*>(data.data()), data.size()};
    iscsi::OutgoingPdu pdu{out.bhs, {}, {&iov, data.empty() ? 0u : 1u}, out.file};
    const std::error_code ec = co_await transport_->send(pdu);
    if (ec) {
      close_now(ec);
      break;
    }
    if (out.close_after) close_now(reason_);
  }
  writing_ = false;
  if (ending_ && !closing_) close_now(reason_);
}

}  // namespace uiscsi::target::iscsit
