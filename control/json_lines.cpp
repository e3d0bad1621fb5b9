#include "control/json_lines.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>

namespace uiscsi::control {
namespace {

// JSON has no infinity, but Boost.JSON reads 1e999 as one; it would then be written back
// as something no JSON parser takes. Such a line is refused instead.
bool finite_numbers(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::double_: return std::isfinite(v.get_double());
    case boost::json::kind::array:
      for (const auto& e : v.get_array()) {
        if (!finite_numbers(e)) return false;
      }
      return true;
    case boost::json::kind::object:
      for (const auto& [key, e] : v.get_object()) {
        if (!finite_numbers(e)) return false;
      }
      return true;
    default: return true;
  }
}

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
  if (!finite_numbers(value)) {
    error = "a number is out of range";
    return std::nullopt;
  }
  return std::move(value.as_object());
}

}  // namespace

std::string encode_request(const Request& request) {
  return boost::json::serialize(boost::json::object{{"command", request.command}, {"args", request.args}}) + '\n';
}

std::string encode_response(const Response& response, const boost::json::object& failure_members) {
  boost::json::object line;
  line["ok"] = response.ok;
  if (response.ok) {
    line["result"] = response.result;
  } else {
    line["error"] = response.error;
    for (const auto& [name, value] : failure_members) line[name] = value;
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

std::optional<Response> decode_response(std::string_view line, std::string& error, boost::json::object* line_object) {
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
  } else {
    const auto* message = object->if_contains("error");
    response.error = message && message->is_string() ? std::string(message->as_string()) : "(no reason given)";
  }
  if (line_object != nullptr) *line_object = std::move(*object);
  return response;
}

}  // namespace uiscsi::control
