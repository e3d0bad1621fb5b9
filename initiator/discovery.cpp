#include "initiator/discovery.h"

#include <boost/asio/io_context.hpp>

#include "initiator/error.h"
#include "initiator/session.h"

namespace uiscsi::initiator {

namespace asio = boost::asio;

std::error_code parse_send_targets(std::span<const iscsi::TextPair> pairs, std::vector<DiscoveredTarget>& out,
                                   std::string& why) {
  std::vector<DiscoveredTarget> targets;
  for (const iscsi::TextPair& p : pairs) {
    if (p.key == "TargetName") {
      targets.push_back({p.value, {}});
    } else if (p.key == "TargetAddress") {
      if (targets.empty()) {
        why = "TargetAddress before any TargetName in the SendTargets answer";
        return make_error_code(errc::protocol_error);
      }
      auto address = parse_target_address(p.value);
      if (!address) {
        why = "unusable TargetAddress \"" + p.value + "\"";
        return make_error_code(errc::bad_target_address);
      }
      targets.back().portals.push_back(std::move(*address));
    }
  }
  out = std::move(targets);
  return {};
}

asio::awaitable<DiscoveryResult> discover(asio::io_context& io, SessionConfig config, Connector connector,
                                          std::string send_targets) {
  DiscoveryResult out;
  config.session_type = iscsi::SessionType::discovery;
  config.target_name.clear();
  config.timeouts.replacement = Milliseconds{0};  // one question: no reconnection
  config.timeouts.nop_interval = Milliseconds{0};
  SessionOpen opened = co_await Session::open(io, std::move(config), std::move(connector));
  if (opened.ec) {
    out.ec = opened.ec;
    out.error = "discovery login: " + opened.error;
    co_return out;
  }
  iscsi::TextPairs question;
  question.push_back({"SendTargets", std::move(send_targets)});
  TextResult answer = co_await opened.session->text(std::move(question));
  if (answer.ec) {
    out.ec = answer.ec;
    out.error = "SendTargets: " + answer.ec.message();
    opened.session->close();
    co_return out;
  }
  out.ec = parse_send_targets(answer.pairs, out.targets, out.error);
  // The answer is complete; a failed logout changes nothing about it.
  (void)co_await opened.session->logout();
  co_return out;
}

}  // namespace uiscsi::initiator
