// The initiator's own iSCSI name, kept like open-iscsi's /etc/iscsi/initiatorname.iscsi:
// DB/initiatorname.iscsi holds "InitiatorName=iqn...". The first start writes a new
// unique name there, so that every later start (and every target's ACL) sees the same one.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace uiscsi::initiator::daemon {

// The "InitiatorName=" value of the file's text; nullopt when it has none.
std::optional<std::string> parse_initiator_name_file(std::string_view text);

// Reads DB/initiatorname.iscsi, or creates it with "iqn.2026-11.org.uiscsi:" and 12 random
// hex digits. nullopt with `error` on an unreadable or unwritable file.
std::optional<std::string> load_or_create_initiator_name(const std::filesystem::path& db, std::string& error);

}  // namespace uiscsi::initiator::daemon
