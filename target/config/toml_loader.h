// The configuration file of uiscsi-target: TOML (toml++) in, iscsit::Config out, with every
// problem reported at its line and column.
//
// The schema (docs/target.example.toml shows every key):
//
//   login_timeout = 15                      # seconds, 1..3600
//   [discovery]   enabled, [discovery.chap] (+ .mutual), [discovery.nop]
//   [[target]]    name, alias, allowed_initiators, offload,
//                 portals = ["ADDR:PORT", ...]          (shorthand: one group, TPGT 1)
//                 [[target.portal_group]] tag, offload, portals
//                 [[target.lun]] number, backend, path, size, block_size, read_only,
//                                vendor, product, revision, serial, pr_state_file;
//                                raid: members, rebuild_rate, force
//                 [target.chap] username, secret, algorithms, [target.chap.mutual]
//                 [target.limits] the RFC 7143 key names (MaxRecvDataSegmentLength, ...)
//                 [target.nop] interval, timeout
//
// Besides syntax and types it checks what makes a file wrong before the server sees it:
// unknown keys, duplicate targets / LUNs / TPGTs / portals, iSCSI names (RFC 7143 4.2.7),
// backend kinds and their required keys, file backends whose file neither exists nor can
// be created, raid volumes whose members would not assemble (raid/member_check.h), CHAP secrets shorter than 12 bytes (RFC 7143 9.2.1; longer than 16 is a
// warning, since some initiators accept only 12 to 16) and a secret used in both directions
// (RFC 7143 9.2.1 forbids it), and finally iscsit::validate() for the rest.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "target/config/diagnostic.h"
#include "target/iscsi/config.h"

namespace uiscsi::target::config {

struct LoadOptions {
  // Relative backend paths (and pr_state_file) are taken relative to this directory;
  // load_config_file() uses the configuration file's own directory.
  std::filesystem::path base_directory = ".";
  // Portals from the command line (`--listen`): when not empty they replace those of every
  // target (use_portals()) before the configuration is validated, so a target without
  // portals in the file is fine.
  std::vector<iscsit::Portal> listen;
};

struct LoadResult {
  std::optional<iscsit::Config> config;  // set exactly when no error was found
  std::vector<Diagnostic> diagnostics;   // errors and warnings, in file order
};

// `source_name` names the text in messages (the file name).
LoadResult parse_config(std::string_view text, std::string_view source_name,
                        const LoadOptions& options);

// Reads and parses `file`, with relative paths taken from its directory; a file that cannot
// be read is reported as one error.
LoadResult load_config_file(const std::filesystem::path& file,
                            const std::vector<iscsit::Portal>& listen = {});

}  // namespace uiscsi::target::config
