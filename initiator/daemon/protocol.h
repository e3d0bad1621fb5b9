// The control socket protocol of uiscsid: the JSON line codec both daemons share
// (control/json_lines.h), with one member of its own on failures.
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
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "control/json_lines.h"

namespace uiscsi::initiator::daemon {

using uiscsi::control::decode_request;
using uiscsi::control::encode_request;
using uiscsi::control::kMaxLineBytes;
using uiscsi::control::Request;

struct Response : uiscsi::control::Response {
  int status = 0;  // when !ok: an iscsiadm exit code

  static Response success(boost::json::value result) { return {{true, std::move(result), {}}, 0}; }
  static Response failure(int status, std::string why) { return {{false, nullptr, std::move(why)}, status}; }
};

// One line, '\n' included, with `status` on a failure; decode_response reads a missing or
// non-integer `status` as kErrGeneric.
std::string encode_response(const Response& response);
std::optional<Response> decode_response(std::string_view line, std::string& error);

// Typed access to request arguments: nullopt when absent or of another type.
std::optional<std::string> string_arg(const boost::json::object& args, std::string_view name);
std::optional<std::int64_t> int_arg(const boost::json::object& args, std::string_view name);
bool bool_arg(const boost::json::object& args, std::string_view name);

}  // namespace uiscsi::initiator::daemon
