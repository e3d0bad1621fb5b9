// Login Response status (RFC 7143 11.13.5): Status-Class and Status-Detail, and the
// "iscsi.login" error category so a failed login travels as a std::error_code.
//
// The error_code value is (Status-Class << 8) | Status-Detail, exactly the two bytes as they
// sit in the Login Response (bytes 36 and 37). Success is 0x0000, so a successful login is
// the empty error_code. Codes without an enumerator (reserved details) are still valid
// values: the category names them by class with "unknown detail".
#pragma once

#include <cstdint>
#include <string_view>
#include <system_error>

namespace uiscsi::iscsi {

enum class LoginStatusClass : std::uint8_t {
  success = 0,
  redirection = 1,
  initiator_error = 2,
  target_error = 3,
};

enum class LoginStatus : std::uint16_t {
  success = 0x0000,
  // Class 1: the target is elsewhere; the response carries TargetAddress.
  target_moved_temporarily = 0x0101,
  target_moved_permanently = 0x0102,
  // Class 2: the request cannot be honoured because of the initiator; do not retry as is.
  initiator_error = 0x0200,
  authentication_failure = 0x0201,
  authorization_failure = 0x0202,
  not_found = 0x0203,
  target_removed = 0x0204,
  unsupported_version = 0x0205,
  too_many_connections = 0x0206,
  missing_parameter = 0x0207,
  cannot_include_in_session = 0x0208,
  session_type_not_supported = 0x0209,
  session_does_not_exist = 0x020a,
  invalid_during_login = 0x020b,
  // Class 3: the target cannot serve now; the initiator may retry later.
  target_error = 0x0300,
  service_unavailable = 0x0301,
  out_of_resources = 0x0302,
};

constexpr LoginStatus make_login_status(std::uint8_t status_class, std::uint8_t status_detail) noexcept {
  return static_cast<LoginStatus>((status_class << 8) | status_detail);
}
constexpr std::uint8_t status_class(LoginStatus s) noexcept {
  return static_cast<std::uint8_t>(static_cast<std::uint16_t>(s) >> 8);
}
constexpr std::uint8_t status_detail(LoginStatus s) noexcept {
  return static_cast<std::uint8_t>(static_cast<std::uint16_t>(s) & 0xff);
}

// "initiator error", "redirection", ...; "unknown class" for 4..255.
std::string_view status_class_text(std::uint8_t status_class) noexcept;
// "authentication failure", ...; "unknown detail" for values RFC 7143 does not assign.
std::string_view status_detail_text(LoginStatus s) noexcept;

const std::error_category& login_category() noexcept;
std::error_code make_error_code(LoginStatus s) noexcept;

}  // namespace uiscsi::iscsi

template <>
struct std::is_error_code_enum<uiscsi::iscsi::LoginStatus> : std::true_type {};
