#include "target/config/diagnostic.h"

#include <algorithm>

namespace uiscsi::target::config {

std::string format(const Diagnostic& diagnostic, std::string_view source_name) {
  std::string out(source_name);
  if (diagnostic.where.line != 0) {
    out += ':' + std::to_string(diagnostic.where.line);
    if (diagnostic.where.column != 0) out += ':' + std::to_string(diagnostic.where.column);
  }
  out += diagnostic.severity == Severity::error ? ": error: " : ": warning: ";
  out += diagnostic.message;
  return out;
}

bool has_errors(std::span<const Diagnostic> diagnostics) noexcept {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::error; });
}

}  // namespace uiscsi::target::config
