#include "target/config/configuration_source.h"

#include <ostream>

#include "target/config/embedded_default.h"

namespace uiscsi::target::config {
namespace {

std::string plural(std::size_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

}  // namespace

std::string ConfigurationSource::name() const {
  return file ? file->string() : std::string("(embedded default)");
}

LoadResult ConfigurationSource::load() const {
  if (file) return load_config_file(*file, listen);
  LoadResult result;
  result.config = embedded_default(data_directory);
  if (!listen.empty()) use_portals(*result.config, listen);
  // The loader validates what it reads; the embedded default is validated here.
  const auto problems = iscsit::validate(*result.config);
  for (const auto& problem : problems) result.diagnostics.push_back({Severity::error, {}, problem});
  if (!problems.empty()) result.config.reset();
  return result;
}

bool check_config(const ConfigurationSource& source, std::ostream& out) {
  const LoadResult result = source.load();
  std::size_t errors = 0;
  std::size_t warnings = 0;
  for (const Diagnostic& d : result.diagnostics) {
    out << format(d, source.name()) << '\n';
    (d.severity == Severity::error ? errors : warnings) += 1;
  }
  if (result.config) {
    out << source.name() << ": OK, " << summary(*result.config);
    if (warnings > 0) out << " (" << plural(warnings, "warning") << ")";
    out << '\n';
    return true;
  }
  out << source.name() << ": " << plural(errors, "error");
  if (warnings > 0) out << ", " << plural(warnings, "warning");
  out << '\n';
  return false;
}

std::string summary(const iscsit::Config& config) {
  std::size_t luns = 0;
  std::size_t portals = 0;
  for (const auto& target : config.targets) {
    luns += target.luns.size();
    for (const auto& group : target.portal_groups) portals += group.portals.size();
  }
  return plural(config.targets.size(), "target") + ", " + plural(luns, "LUN") + ", " +
         plural(portals, "portal");
}

}  // namespace uiscsi::target::config
