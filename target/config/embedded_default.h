// What `uiscsi-target` serves when it is started without a configuration file: one target
// with one sparse 1 GiB file as LUN 0, on 127.0.0.1:3260, with no authentication. Enough to
// try an initiator against it in one command.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

#include "target/iscsi/config.h"

namespace uiscsi::target::config {

inline constexpr std::string_view kDefaultTargetName = "iqn.2026-11.org.uiscsi:default";
inline constexpr std::string_view kDefaultDataDirectory = "uiscsi-data";
inline constexpr std::string_view kDefaultLunFile = "lun0.img";
inline constexpr std::uint64_t kDefaultLunBytes = std::uint64_t{1} << 30;

// The embedded default: LUN 0 is `data_directory`/lun0.img, created sparse with 1 GiB if
// it does not exist (an existing file is used as it is), listening on 127.0.0.1:3260.
// The caller creates `data_directory` itself (see the daemon).
iscsit::Config embedded_default(const std::filesystem::path& data_directory);

// `--listen`: every target is served on exactly `portals`, as one portal group (TPGT 1),
// in place of the portals the configuration gave it.
void use_portals(iscsit::Config& config, const std::vector<iscsit::Portal>& portals);

}  // namespace uiscsi::target::config
