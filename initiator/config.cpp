#include "initiator/config.h"

#include "initiator/error.h"

namespace uiscsi::initiator {

std::error_code SessionConfig::validate(std::string& why) const {
  const auto fail = [&why](std::string text) {
    why = std::move(text);
    return make_error_code(errc::invalid_config);
  };
  if (initiator_name.empty()) return fail("initiator_name is required");
  if (session_type == iscsi::SessionType::normal && target_name.empty()) {
    return fail("target_name is required for a normal session");
  }
  if (portal.host.empty()) return fail("portal has no address");
  if (chap) {
    if (chap->user.empty() || chap->secret.empty()) return fail("CHAP needs a user and a secret");
    if (chap->mutual() && (chap->target_user.empty() || chap->target_secret.empty())) {
      return fail("mutual CHAP needs both target_user and target_secret");
    }
    if (chap->mutual() && chap->target_secret == chap->secret) {
      return fail("mutual CHAP secrets must differ in each direction (RFC 7143 12.1.3)");
    }
    if (chap->algorithms.empty()) return fail("no CHAP algorithm to offer");
  }
  if (negotiation.max_connections < 1 || negotiation.max_connections > 65535) {
    return fail("MaxConnections must be 1 to 65535 (RFC 7143 13.2)");
  }
  if (negotiation.header_digests.empty() || negotiation.data_digests.empty()) {
    return fail("digest preference lists must not be empty");
  }
  if (timeouts.login.count() <= 0 || timeouts.command.count() <= 0 ||
      timeouts.task_management.count() <= 0) {
    return fail("login, command and task management timeouts must be positive");
  }
  if (timeouts.nop_interval.count() > 0 && timeouts.nop_timeout.count() <= 0) {
    return fail("nop_timeout must be positive when NOP-Out pings are on");
  }
  return {};
}

}  // namespace uiscsi::initiator
