#include "target/backend/raid/progress_display.h"

#include <algorithm>
#include <cstdio>

namespace uiscsi::target::raid {

void ProgressDisplay::update(std::uint64_t done, std::uint64_t total, double mb_per_s) {
  const double fraction = total == 0 ? 1.0 : std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
  char rate[32] = "";
  if (mb_per_s > 0) std::snprintf(rate, sizeof rate, "  %.1f MB/s", mb_per_s);
  if (terminal_) {
    constexpr int kWidth = 40;
    const int filled = static_cast<int>(fraction * kWidth);
    std::string bar(static_cast<std::size_t>(filled), '=');
    if (filled < kWidth) bar += '>';
    bar.resize(kWidth, ' ');
    char line[160];
    std::snprintf(line, sizeof line, "\r%s [%s] %5.1f%%%s\033[K", label_.c_str(), bar.c_str(), fraction * 100, rate);
    out_ << line << std::flush;
    drawn_ = true;
    return;
  }
  const int tenth = static_cast<int>(fraction * 10);
  if (tenth == last_tenth_) return;
  last_tenth_ = tenth;
  char line[128];
  std::snprintf(line, sizeof line, "%s: %d%% (%llu/%llu)%s\n", label_.c_str(), tenth * 10,
                static_cast<unsigned long long>(done), static_cast<unsigned long long>(total), rate);
  out_ << line << std::flush;
}

void ProgressDisplay::finish() {
  if (terminal_ && drawn_) out_ << '\n' << std::flush;
  drawn_ = false;
}

}  // namespace uiscsi::target::raid
