#include "initiator/daemon/protocol.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdint>

#include "initiator/daemon/iscsi_err.h"

namespace uiscsi::initiator::daemon {
namespace {

std::optional<boost::json::object> parse_object(std::string_view line, std::string& error) {
  if (line.ends_with('\n')) line.remove_suffix(1);
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(line, ec);
  if (ec) {
    error = "not JSON: " + ec.message();
    return std::nullopt;
  }
  if (!value.is_object()) {
    error = "expected a JSON object";
    return std::nullopt;
  }
  return std::move(value.as_object());
}

}  // namespace

std::string encode_request(const Request& request) {
  return boost::json::serialize(boost::json::object{{"command", request.command}, {"args", request.args}}) + '\n';
}

std::string encode_response(const Response& response) {
  boost::json::object line;
  line["ok"] = response.ok;
  if (response.ok) {
    line["result"] = response.result;
  } else {
    line["error"] = response.error;
    line["status"] = response.status;
  }
  return boost::json::serialize(line) + '\n';
}

std::optional<Request> decode_request(std::string_view line, std::string& error) {
  auto object = parse_object(line, error);
  if (!object) return std::nullopt;
  const auto* command = object->if_contains("command");
  if (!command || !command->is_string()) {
    error = "the request has no \"command\" string";
    return std::nullopt;
  }
  Request request;
  request.command = std::string(command->as_string());
  if (const auto* args = object->if_contains("args")) {
    if (!args->is_object()) {
      error = "\"args\" is not an object";
      return std::nullopt;
    }
    request.args = args->as_object();
  }
  return request;
}

std::optional<Response> decode_response(std::string_view line, std::string& error) {
  auto object = parse_object(line, error);
  if (!object) return std::nullopt;
  const auto* ok = object->if_contains("ok");
  if (!ok || !ok->is_bool()) {
    error = "the response has no \"ok\" boolean";
    return std::nullopt;
  }
  Response response;
  response.ok = ok->as_bool();
  if (response.ok) {
    if (const auto* result = object->if_contains("result")) response.result = *result;
    return response;
  }
  const auto* message = object->if_contains("error");
  response.error = message && message->is_string() ? std::string(message->as_string()) : "(no reason given)";
  const auto* status = object->if_contains("status");
  response.status = status && status->is_int64() ? static_cast<int>(status->as_int64()) : kErrGeneric;
  return response;
}

std::optional<std::string> string_arg(const boost::json::object& args, std::string_view name) {
  const auto* value = args.if_contains(name);
  if (!value || !value->is_string()) return std::nullopt;
  return std::string(value->as_string());
}

std::optional<std::int64_t> int_arg(const boost::json::object& args, std::string_view name) {
  const auto* value = args.if_contains(name);
  if (!value) return std::nullopt;
  if (value->is_int64()) return value->as_int64();
  // An unsigned value built in this process (not parsed) is kept as uint64.
  if (value->is_uint64() && value->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(value->as_uint64());
  }
  return std::nullopt;
}

bool bool_arg(const boost::json::object& args, std::string_view name) {
  const auto* value = args.if_contains(name);
  return value && value->is_bool() && value->as_bool();
}

}  // namespace uiscsi::initiator::daemon
