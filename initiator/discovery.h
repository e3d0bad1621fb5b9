// SendTargets discovery (RFC 7143 Appendix C, 13.3): log in a discovery session at a
// portal, ask SendTargets=All (every target the initiator may see) or SendTargets=<name>
// (the addresses of one target), read the answer, however many PDUs it spans, and log out.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "initiator/config.h"
#include "initiator/connector.h"
#include "initiator/portal.h"
#include "iscsi/text.h"

namespace boost::asio {
class io_context;
}

namespace uiscsi::initiator {

struct DiscoveredTarget {
  std::string name;
  // In the target's order. Empty when the target gave no TargetAddress: it is then reached
  // at the portal the discovery session used (RFC 7143 Appendix C).
  std::vector<TargetAddress> portals;

  friend bool operator==(const DiscoveredTarget&, const DiscoveredTarget&) = default;
};

struct DiscoveryResult {
  std::error_code ec;
  std::string error;
  std::vector<DiscoveredTarget> targets;
};

// `config` names the initiator, the portal, CHAP and timeouts; its session type and target
// name are ignored (a discovery session has neither), and it does not reconnect.
// `send_targets` is "All" or a target name.
boost::asio::awaitable<DiscoveryResult> discover(boost::asio::io_context& io, SessionConfig config,
                                                 Connector connector, std::string send_targets = "All");

// The records of a SendTargets answer: each TargetName starts a record, the TargetAddress
// pairs after it belong to it (RFC 7143 Appendix C). Other keys are skipped. Errors:
// errc::protocol_error for a TargetAddress before any TargetName, errc::bad_target_address
// for one that does not parse (`why` names it).
std::error_code parse_send_targets(std::span<const iscsi::TextPair> pairs, std::vector<DiscoveredTarget>& out,
                                   std::string& why);

}  // namespace uiscsi::initiator
