// The control socket protocol of uiscsid, as the target's (target/control/protocol.h): one
// JSON object per line in each direction, one response per request, in order, over a Unix
// stream socket.
//
//   request:  {"command": "login", "args": {"target": "iqn...", "address": "127.0.0.1", ...}}
//   response: {"ok": true, "result": {...}}
//         or  {"ok": false, "error": "why", "status": 24}
//
// `status` is the iscsiadm exit code the failure stands for (initiator/daemon/iscsi_err.h),
// so that uiscsiadm exits as iscsiadm would. Results are plain data; uiscsiadm formats them.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace uiscsi::initiator::daemon {

// Longest line either side accepts.
inline constexpr std::size_t kMaxLineBytes = 4u << 20;

struct Request {
  std::string command;
  boost::json::object args;
};

struct Response {
  bool ok = false;
  boost::json::value result;  // when ok
  std::string error;          // when !ok
  int status = 0;             // when !ok: an iscsiadm exit code

  static Response success(boost::json::value result) { return {true, std::move(result), {}, 0}; }
  static Response failure(int status, std::string why) { return {false, nullptr, std::move(why), status}; }
};

// Each encode_* returns one line, '\n' included; the decoders take it with or without.
std::string encode_request(const Request& request);
std::string encode_response(const Response& response);
// nullopt with `error` set when the line is not JSON or not the shape above.
std::optional<Request> decode_request(std::string_view line, std::string& error);
std::optional<Response> decode_response(std::string_view line, std::string& error);

// Typed access to request arguments: nullopt when absent or of another type.
std::optional<std::string> string_arg(const boost::json::object& args, std::string_view name);
std::optional<std::int64_t> int_arg(const boost::json::object& args, std::string_view name);
bool bool_arg(const boost::json::object& args, std::string_view name);

}  // namespace uiscsi::initiator::daemon
