#include "iscsi/negotiation_params.h"

namespace uiscsi::iscsi {

std::string_view to_text(SessionType v) noexcept {
  return v == SessionType::discovery ? "Discovery" : "Normal";
}

std::string_view to_text(DigestType v) noexcept {
  return v == DigestType::crc32c ? "CRC32C" : "None";
}

std::string_view to_text(AuthMethod v) noexcept { return v == AuthMethod::chap ? "CHAP" : "None"; }

std::string_view to_text(TaskReporting v) noexcept {
  switch (v) {
    case TaskReporting::rfc3720: return "RFC3720";
    case TaskReporting::response_fence: return "ResponseFence";
    case TaskReporting::fast_abort: return "FastAbort";
  }
  return "RFC3720";
}

std::optional<SessionType> parse_session_type(std::string_view text) noexcept {
  if (text == "Normal") return SessionType::normal;
  if (text == "Discovery") return SessionType::discovery;
  return std::nullopt;
}

std::optional<DigestType> parse_digest_type(std::string_view text) noexcept {
  if (text == "None") return DigestType::none;
  if (text == "CRC32C") return DigestType::crc32c;
  return std::nullopt;
}

std::optional<AuthMethod> parse_auth_method(std::string_view text) noexcept {
  if (text == "None") return AuthMethod::none;
  if (text == "CHAP") return AuthMethod::chap;
  return std::nullopt;
}

std::optional<TaskReporting> parse_task_reporting(std::string_view text) noexcept {
  if (text == "RFC3720") return TaskReporting::rfc3720;
  if (text == "ResponseFence") return TaskReporting::response_fence;
  if (text == "FastAbort") return TaskReporting::fast_abort;
  return std::nullopt;
}

}  // namespace uiscsi::iscsi
