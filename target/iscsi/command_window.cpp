#include "target/iscsi/command_window.h"

#include <algorithm>

#include "iscsi/serial.h"

namespace uiscsi::target::iscsit {

CommandWindow::CommandWindow(std::uint32_t exp_cmd_sn, std::uint32_t depth) noexcept
    : exp_cmd_sn_(exp_cmd_sn), depth_(std::max<std::uint32_t>(depth, 1)) {}

std::uint32_t CommandWindow::max_cmd_sn() const noexcept {
  // in_flight_ <= depth_ (accept() is only called for CmdSNs inside the window), so this
  // is at least ExpCmdSN - 1: a closed window, never an invalid one (RFC 7143 4.2.2.1).
  return exp_cmd_sn_ + (depth_ - in_flight_) - 1;
}

CommandWindow::Verdict CommandWindow::check(std::uint32_t cmd_sn) const noexcept {
  if (cmd_sn == exp_cmd_sn_) return in_flight_ < depth_ ? Verdict::next : Verdict::outside;
  // serial_in_window is false for both the past (a duplicate, or a retry of a command we
  // already have) and anything beyond MaxCmdSN, including the undefined 2^31 distance.
  return iscsi::serial_in_window(exp_cmd_sn_, cmd_sn, max_cmd_sn()) ? Verdict::ahead : Verdict::outside;
}

void CommandWindow::accept() noexcept {
  ++exp_cmd_sn_;
  ++in_flight_;
}

void CommandWindow::finished() noexcept {
  if (in_flight_ > 0) --in_flight_;
}

}  // namespace uiscsi::target::iscsit
