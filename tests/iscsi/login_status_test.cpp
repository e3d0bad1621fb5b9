#include <catch2/catch.hpp>

#include <system_error>

#include "iscsi/login_status.h"

using namespace uiscsi::iscsi;

TEST_CASE("login status: class and detail split and join", "[login_status]") {
  CHECK(status_class(LoginStatus::authentication_failure) == 2);
  CHECK(status_detail(LoginStatus::authentication_failure) == 1);
  CHECK(status_class(LoginStatus::out_of_resources) == 3);
  CHECK(status_detail(LoginStatus::out_of_resources) == 2);
  CHECK(make_login_status(1, 2) == LoginStatus::target_moved_permanently);
  CHECK(make_login_status(2, 0x0b) == LoginStatus::invalid_during_login);
}

TEST_CASE("login status: error_code messages name class, detail and code", "[login_status]") {
  const std::error_code ec = LoginStatus::authentication_failure;
  CHECK(ec.category() == login_category());
  CHECK(std::string(ec.category().name()) == "iscsi.login");
  CHECK(ec.value() == 0x0201);
  CHECK(ec.message() == "initiator error: authentication failure (0x0201)");
  CHECK(std::error_code(LoginStatus::authorization_failure).message() ==
        "initiator error: authorization failure (0x0202)");
  CHECK(std::error_code(LoginStatus::target_moved_temporarily).message() ==
        "redirection: target moved temporarily (0x0101)");
  CHECK(std::error_code(LoginStatus::service_unavailable).message() ==
        "target error: service unavailable (0x0301)");
}

TEST_CASE("login status: success is the empty error_code", "[login_status]") {
  const std::error_code ec = LoginStatus::success;
  CHECK_FALSE(ec);
  CHECK(ec == make_login_status(0, 0));
}

TEST_CASE("login status: unassigned values still get a readable message", "[login_status]") {
  CHECK(std::error_code(make_login_status(2, 0x42)).message() ==
        "initiator error: unknown detail (0x0242)");
  CHECK(std::error_code(make_login_status(9, 1)).message() == "unknown class: unknown detail (0x0901)");
  CHECK(status_class_text(3) == "target error");
}

TEST_CASE("login status: every RFC 7143 11.13.5 code has its own text", "[login_status]") {
  const LoginStatus all[] = {
      LoginStatus::success, LoginStatus::target_moved_temporarily,
      LoginStatus::target_moved_permanently, LoginStatus::initiator_error,
      LoginStatus::authentication_failure, LoginStatus::authorization_failure,
      LoginStatus::not_found, LoginStatus::target_removed, LoginStatus::unsupported_version,
      LoginStatus::too_many_connections, LoginStatus::missing_parameter,
      LoginStatus::cannot_include_in_session, LoginStatus::session_type_not_supported,
      LoginStatus::session_does_not_exist, LoginStatus::invalid_during_login,
      LoginStatus::target_error, LoginStatus::service_unavailable, LoginStatus::out_of_resources};
  for (std::size_t i = 0; i < std::size(all); ++i) {
    CHECK(status_detail_text(all[i]) != "unknown detail");
    for (std::size_t j = 0; j < i; ++j) CHECK(status_detail_text(all[i]) != status_detail_text(all[j]));
  }
}
