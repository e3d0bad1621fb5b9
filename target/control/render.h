// How `uiscsi-target ctl` shows a result (protocol.h): a table result as aligned columns,
// a message as its text; with --json the machine-readable part as pretty-printed JSON.
#pragma once

#include <boost/json/value.hpp>
#include <string>

namespace uiscsi::target::control {

// Columns are separated by two spaces and padded to their widest cell; numbers are
// right-aligned, everything else left-aligned. A missing or null value shows as "-".
// An empty table shows its head and "(none)".
std::string render_text(const boost::json::value& result);

// The `items` of a table result, or the whole result otherwise, indented, one key per line.
std::string render_json(const boost::json::value& result);

}  // namespace uiscsi::target::control
