// The security stage of a login (RFC 7143 6.3.1, 12): which AuthMethod a target requires
// and, for CHAP, the exchange itself (iscsi/chap_target.h).
//
// Policy: a target (or discovery) with ChapConfig::initiator set offers only CHAP, and a
// login that ends up with AuthMethod=None, or that skips the security stage, fails with
// "authentication failure" (RFC 7143 11.13.5, 12). Without it only None is offered, and a
// CHAP attempt is refused by the negotiation (AuthMethod=Reject).
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "iscsi/chap_target.h"
#include "iscsi/login_status.h"
#include "iscsi/negotiation_params.h"
#include "iscsi/text.h"
#include "target/iscsi/config.h"

namespace uiscsi::target::iscsit {

class LoginAuth {
 public:
  explicit LoginAuth(const ChapConfig& config);

  // The AuthMethod values to offer (iscsi::LocalSettings::auth_methods).
  std::vector<iscsi::AuthMethod> methods() const;
  bool required() const noexcept { return chap_.has_value(); }

  // One security-stage request: `settled` is the negotiator's AuthMethod outcome so far,
  // `in` the CHAP pairs it handed over (iscsi::Exchange::auth). Appends our CHAP pairs to
  // `out`. Returns success, or the status to refuse the login with: CHAP keys without
  // AuthMethod=CHAP are an initiator error; a failed exchange (wrong name or response,
  // reflected challenge, no common CHAP_A, mutual CHAP not configured) an authentication
  // failure (iscsi::chap_login_status).
  iscsi::LoginStatus step(std::optional<iscsi::AuthMethod> settled, std::span<const iscsi::TextPair> in,
                          iscsi::TextPairs& out);

  // Whether the security stage may end now (the target may set T): authentication is
  // complete, or none is required.
  bool complete(std::optional<iscsi::AuthMethod> settled) const noexcept;
  // Whether the initiator authenticated us too (mutual CHAP), for the log.
  bool mutual() const noexcept { return chap_ && chap_->authenticated() && chap_->mutual(); }

 private:
  std::optional<iscsi::ChapTarget> chap_;
};

}  // namespace uiscsi::target::iscsit
