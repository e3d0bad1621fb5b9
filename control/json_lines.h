// The line codec of both control sockets (uiscsi-target ctl, uiscsid): one JSON object per
// line in each direction, one response per request, in order (JSON Lines over LineServer).
//
//   request:  {"command": "connections", "args": {"conn": "3"}}
//   response: {"ok": true, "result": RESULT}   or   {"ok": false, "error": "why", ...}
//
// What the commands, their arguments and RESULT are, and what else a failure line carries,
// is each daemon's own part: target/control/protocol.h, initiator/daemon/protocol.h.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace uiscsi::control {

// Longest line either side accepts (a connections table of thousands of rows fits).
inline constexpr std::size_t kMaxLineBytes = 4u << 20;

struct Request {
  std::string command;
  boost::json::object args;  // argument name -> value (a string, a number, true for a flag)
};

struct Response {
  bool ok = false;
  boost::json::value result;  // when ok
  std::string error;          // when !ok
};

// Each encode_* returns one line, '\n' included; the decoders take it with or without.
std::string encode_request(const Request& request);
// `failure_members` are written beside "ok" and "error" when !response.ok.
std::string encode_response(const Response& response, const boost::json::object& failure_members = {});
// nullopt with `error` set when the line is not JSON or not the shape above. A failure
// without an "error" string reads as "(no reason given)". decode_response hands the whole
// line's object to `line_object`, when given, for the members a daemon adds.
std::optional<Request> decode_request(std::string_view line, std::string& error);
std::optional<Response> decode_response(std::string_view line, std::string& error,
                                        boost::json::object* line_object = nullptr);

}  // namespace uiscsi::control
