#include "offload/path.h"

namespace uiscsi::offload {

std::string_view name(Path path) noexcept {
  switch (path) {
    case Path::tcp: return "tcp";
    case Path::placement: return "placement";
    case Path::smc: return "smc";
    case Path::iser: return "iser";
  }
  return "unknown";
}

std::string_view name(Policy policy) noexcept {
  if (auto path = explicit_path(policy)) return name(*path);
  return "auto";
}

std::optional<Path> path_from_name(std::string_view text) noexcept {
  for (Path p : {Path::tcp, Path::placement, Path::smc, Path::iser}) {
    if (name(p) == text) return p;
  }
  return std::nullopt;
}

std::optional<Policy> policy_from_name(std::string_view text) noexcept {
  for (Policy p : {Policy::auto_, Policy::tcp, Policy::placement, Policy::smc, Policy::iser}) {
    if (name(p) == text) return p;
  }
  return std::nullopt;
}

std::optional<Path> explicit_path(Policy policy) noexcept {
  switch (policy) {
    case Policy::auto_: return std::nullopt;
    case Policy::tcp: return Path::tcp;
    case Policy::placement: return Path::placement;
    case Policy::smc: return Path::smc;
    case Policy::iser: return Path::iser;
  }
  return std::nullopt;
}

}  // namespace uiscsi::offload
