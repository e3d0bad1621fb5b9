// What the daemon serves: the configuration file given with -c, or the embedded default,
// with the --listen portals applied. Loaded at start, again on every SIGHUP, and by
// --check-config.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "target/config/toml_loader.h"
#include "target/iscsi/config.h"

namespace uiscsi::target::config {

struct ConfigurationSource {
  std::optional<std::filesystem::path> file;  // none: the embedded default
  std::vector<iscsit::Portal> listen;         // non-empty: replaces every target's portals
  std::filesystem::path data_directory{"uiscsi-data"};  // for the embedded default

  // How messages name it: the file, or "(embedded default)".
  std::string name() const;
  // Reads and checks it. Does not touch the file system beyond reading (the daemon creates
  // the data directory of the embedded default itself).
  LoadResult load() const;
};

// --check-config: prints every diagnostic (FILE:LINE:COLUMN: error|warning: ...) and then a
// summary line to `out`. Returns whether the configuration can be served.
bool check_config(const ConfigurationSource& source, std::ostream& out);

// "2 targets, 3 LUNs, 4 portals".
std::string summary(const iscsit::Config& config);

}  // namespace uiscsi::target::config
