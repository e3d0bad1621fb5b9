// The control socket protocol of uiscsi-target: the JSON line codec both daemons share
// (control/json_lines.h), and what this daemon's results look like.
//
//   request:  {"command": "connections", "args": {"conn": "3"}}   (args: option name
//             without "--" -> string, or true for a flag)
//   response: {"ok": true, "result": RESULT}   or   {"ok": false, "error": "why"}
//
// RESULT is one of two shapes, so that `uiscsi-target ctl` can show a new command without
// knowing it:
//   a table    {"columns": [{"title": "TSIH", "pointer": "/tsih"}, ...], "items": [...]}
//              (`items` is the machine-readable answer, `--json` prints it; each column
//              picks a value out of every item with a JSON pointer, RFC 6901)
//   a message  {"message": "switched 127.0.0.1:3260 <- 127.0.0.1:40000 to tcp"}
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <span>
#include <string>
#include <string_view>

#include "control/json_lines.h"

namespace uiscsi::target::control {

using uiscsi::control::decode_request;
using uiscsi::control::decode_response;
using uiscsi::control::encode_request;
using uiscsi::control::encode_response;
using uiscsi::control::kMaxLineBytes;
using uiscsi::control::Request;
using uiscsi::control::Response;

struct Column {
  std::string title;    // as shown in the table head
  std::string pointer;  // RFC 6901 JSON pointer into an item, e.g. "/counters/bytes_sent"
};

boost::json::value make_table(std::span<const Column> columns, boost::json::array items);
boost::json::value make_message(std::string_view message);

}  // namespace uiscsi::target::control
