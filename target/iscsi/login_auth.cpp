#include "target/iscsi/login_auth.h"

#include "iscsi/chap_algorithm.h"
#include "iscsi/chap_error.h"

namespace uiscsi::target::iscsit {
namespace {

iscsi::ChapTargetConfig chap_target_config(const ChapConfig& config) {
  iscsi::ChapTargetConfig out;
  out.algorithms.clear();
  for (std::uint8_t number : config.algorithms) {
    if (auto a = iscsi::chap_algorithm_from_number(number); a && iscsi::chap_algorithm_available(*a)) {
      out.algorithms.push_back(*a);
    }
  }
  out.initiator = iscsi::ChapCredentials::from_text(config.initiator->username, config.initiator->secret);
  if (config.mutual) out.target = iscsi::ChapCredentials::from_text(config.mutual->username, config.mutual->secret);
  return out;
}

}  // namespace

LoginAuth::LoginAuth(const ChapConfig& config) {
  if (config.initiator) chap_.emplace(chap_target_config(config));
}

std::vector<iscsi::AuthMethod> LoginAuth::methods() const {
  return {required() ? iscsi::AuthMethod::chap : iscsi::AuthMethod::none};
}

iscsi::LoginStatus LoginAuth::step(std::optional<iscsi::AuthMethod> settled, std::span<const iscsi::TextPair> in,
                                   iscsi::TextPairs& out) {
  if (in.empty()) return iscsi::LoginStatus::success;
  // CHAP keys before (or without) AuthMethod=CHAP: out of order (RFC 7143 12.1.3).
  if (!chap_ || settled != iscsi::AuthMethod::chap) return iscsi::LoginStatus::initiator_error;
  if (auto ec = chap_->step(in, out)) return iscsi::chap_login_status(ec);
  return iscsi::LoginStatus::success;
}

bool LoginAuth::complete(std::optional<iscsi::AuthMethod> settled) const noexcept {
  if (!chap_) return true;
  return settled == iscsi::AuthMethod::chap && chap_->authenticated();
}

}  // namespace uiscsi::target::iscsit
