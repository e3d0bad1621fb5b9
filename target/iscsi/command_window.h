// The command numbering window of a session (RFC 7143 3.2.2.1, 4.2.2.1): ExpCmdSN and
// MaxCmdSN, and where a received CmdSN falls relative to them. Pure arithmetic, no I/O.
//
// CmdSN orders the non-immediate commands of a session across all its connections: the
// target delivers them to the SCSI layer in CmdSN order, and silently ignores those
// outside [ExpCmdSN, MaxCmdSN]. Immediate commands (I bit) carry the CmdSN of the next
// non-immediate one, are not ordered and do not advance ExpCmdSN.
//
// MaxCmdSN: every non-immediate command takes a slot from accept() until finished(), and
// MaxCmdSN = ExpCmdSN + depth - 1 - (commands in flight). So the window offered to the
// initiator is `depth` minus what the target still works on, and MaxCmdSN never moves
// backwards: accept() advances ExpCmdSN and takes a slot (no change), finished() frees one
// (+1).
//
// Not thread-safe: the session serialises access.
#pragma once

#include <cstdint>

namespace uiscsi::target::iscsit {

class CommandWindow {
 public:
  // `exp_cmd_sn`: the CmdSN of the leading Login Request, which the first non-immediate
  // command of Full Feature Phase carries (RFC 7143 11.12.6). `depth` >= 1.
  CommandWindow(std::uint32_t exp_cmd_sn, std::uint32_t depth) noexcept;

  enum class Verdict {
    next,     // CmdSN == ExpCmdSN: deliver it now and call accept()
    ahead,    // ExpCmdSN < CmdSN <= MaxCmdSN: hold it until the commands before it came
    outside,  // below ExpCmdSN (a duplicate) or beyond MaxCmdSN: ignore it silently
  };
  // Where the CmdSN of a non-immediate command falls.
  Verdict check(std::uint32_t cmd_sn) const noexcept;

  // The command whose CmdSN was ExpCmdSN is taken: ExpCmdSN advances by one and the command
  // holds a slot until finished().
  void accept() noexcept;
  // A command taken by accept() is done (its response sent, or it was aborted).
  void finished() noexcept;

  std::uint32_t exp_cmd_sn() const noexcept { return exp_cmd_sn_; }
  std::uint32_t max_cmd_sn() const noexcept;
  std::uint32_t in_flight() const noexcept { return in_flight_; }
  std::uint32_t depth() const noexcept { return depth_; }

 private:
  std::uint32_t exp_cmd_sn_;
  std::uint32_t depth_;
  std::uint32_t in_flight_ = 0;
};

}  // namespace uiscsi::target::iscsit
