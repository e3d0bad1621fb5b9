// Progress of a long operation (rebuild, scrub) for a person watching: a redrawn bar on a
// terminal, one plain line per tenth otherwise (logs, pipes).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

namespace uiscsi::target::raid {

class ProgressDisplay {
 public:
  // `out` must outlive the display.
  ProgressDisplay(std::ostream& out, bool terminal, std::string label) noexcept
      : out_(out), terminal_(terminal), label_(std::move(label)) {}

  // `mb_per_s` <= 0 is not shown.
  void update(std::uint64_t done, std::uint64_t total, double mb_per_s);
  // Ends the bar's line on a terminal.
  void finish();

 private:
  std::ostream& out_;
  bool terminal_;
  std::string label_;
  int last_tenth_ = -1;
  bool drawn_ = false;
};

}  // namespace uiscsi::target::raid
