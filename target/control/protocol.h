// The control socket protocol of uiscsi-target: one JSON object per line in each direction,
// one response per request, in order, over a Unix stream socket.
//
//   request:  {"command": "connections", "args": {"conn": "3"}}
//   response: {"ok": true, "result": RESULT}   or   {"ok": false, "error": "why"}
//
// RESULT is one of two shapes, so that `uiscsi-target ctl` can show a new command without
// knowing it:
//   a table    {"columns": [{"title": "TSIH", "pointer": "/tsih"}, ...], "items": [...]}
//              (`items` is the machine-readable answer, `--json` prints it; each column
//              picks a value out of every item with a JSON pointer, RFC 6901)
//   a message  {"message": "switched 127.0.0.1:3260 <- 127.0.0.1:40000 to tcp"}
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace uiscsi::target::control {

// Longest line either side accepts (a connections table of thousands of rows fits).
inline constexpr std::size_t kMaxLineBytes = 4u << 20;

struct Request {
  std::string command;
  boost::json::object args;  // option name (without "--") -> string, or true for a flag
};

struct Response {
  bool ok = false;
  boost::json::value result;  // when ok
  std::string error;          // when !ok
};

struct Column {
  std::string title;    // as shown in the table head
  std::string pointer;  // RFC 6901 JSON pointer into an item, e.g. "/counters/bytes_sent"
};

// Each encode_* returns one line, '\n' included; the decoders take it with or without.
std::string encode_request(const Request& request);
std::string encode_response(const Response& response);
// nullopt with `error` set when the line is not JSON or not the shape above.
std::optional<Request> decode_request(std::string_view line, std::string& error);
std::optional<Response> decode_response(std::string_view line, std::string& error);

boost::json::value make_table(std::span<const Column> columns, boost::json::array items);
boost::json::value make_message(std::string_view message);

}  // namespace uiscsi::target::control
