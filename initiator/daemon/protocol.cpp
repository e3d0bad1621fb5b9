#include "initiator/daemon/protocol.h"

#include <cstdint>

#include "initiator/daemon/iscsi_err.h"

namespace uiscsi::initiator::daemon {

std::string encode_response(const Response& response) {
  return uiscsi::control::encode_response(response, boost::json::object{{"status", response.status}});
}

std::optional<Response> decode_response(std::string_view line, std::string& error) {
  boost::json::object object;
  auto envelope = uiscsi::control::decode_response(line, error, &object);
  if (!envelope) return std::nullopt;
  Response response{std::move(*envelope), 0};
  if (!response.ok) {
    const auto* status = object.if_contains("status");
    response.status = status && status->is_int64() ? static_cast<int>(status->as_int64()) : kErrGeneric;
  }
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
