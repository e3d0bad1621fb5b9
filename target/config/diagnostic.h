// What the configuration loader says about a file: one finding per problem, with the place
// in the file it is about, so `uiscsi-target --check-config` and a failed SIGHUP reload can
// point at the line to fix.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace uiscsi::target::config {

enum class Severity : std::uint8_t {
  warning,  // the configuration works, but probably not as intended (or not with every peer)
  error,    // the configuration is refused
};

// 1-based line and column, as toml++ reports source regions. 0: the finding is about the
// file as a whole (e.g. "no target defined") or about a value that came from the command
// line.
struct SourcePosition {
  std::uint32_t line = 0;
  std::uint32_t column = 0;

  friend bool operator==(const SourcePosition&, const SourcePosition&) = default;
};

struct Diagnostic {
  Severity severity = Severity::error;
  SourcePosition where;
  std::string message;  // one sentence, no trailing period, naming the key it is about
};

// "SOURCE:LINE:COLUMN: error: MESSAGE" (the compiler convention, so editors and CI logs can
// jump to the line), "SOURCE: error: MESSAGE" when the position is unknown.
std::string format(const Diagnostic& diagnostic, std::string_view source_name);

bool has_errors(std::span<const Diagnostic> diagnostics) noexcept;

}  // namespace uiscsi::target::config
