// iSCSI names in the configuration file (RFC 7143 4.2.7): target names and the initiator
// names of access lists.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace uiscsi::target::config {

// The name with ASCII letters lower-cased. RFC 7143 4.2.7 compares names after the
// "iSCSI stringprep" profile (RFC 3722), whose ASCII part is exactly this case folding;
// names with non-ASCII characters are kept as written (their folding needs the full
// stringprep tables, which nothing here implements) and so must be written normalized.
std::string normalize_iscsi_name(std::string_view name);

// Why `name` (already normalized) is not a valid iSCSI name, or nullopt when it is
// (RFC 7143 4.2.7, by its subsection titles):
//  - "iSCSI Name Encoding": at most 223 bytes; among ASCII characters only a-z, 0-9, '-',
//    '.' and ':';
//  - Type "iqn.": "iqn." YYYY-MM "." naming-authority [":" anything];
//  - Type "eui.": "eui." and 16 hex digits;
//  - Type "naa.": "naa." and 16 or 32 hex digits (RFC 3980).
std::optional<std::string> iscsi_name_problem(std::string_view name);

}  // namespace uiscsi::target::config
