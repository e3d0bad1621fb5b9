#include "target/iscsi/discovery.h"

#include <string>

namespace uiscsi::target::iscsit {
namespace {

bool is_wildcard(std::string_view address) noexcept {
  return address == "0.0.0.0" || address == "::" || address == "[::]";
}

// The host part of SocketAddress::to_string(), brackets kept for IPv6.
std::string host_of(const offload::SocketAddress& address) {
  std::string text = address.to_string();
  const auto colon = text.rfind(':');
  return colon == std::string::npos ? text : text.substr(0, colon);
}

void list_target(const TargetNode& target, const offload::SocketAddress& local, iscsi::TextPairs& out) {
  out.push_back({"TargetName", target.name});
  for (const PortalGroup& group : target.portal_groups) {
    for (const Portal& portal : group.portals) {
      out.push_back({"TargetAddress", target_address(portal, group.tag, local)});
    }
  }
}

}  // namespace

std::string target_address(const Portal& portal, std::uint16_t tpgt, const offload::SocketAddress& local) {
  std::string host;
  if (is_wildcard(portal.address) && local.is_ip()) {
    host = host_of(local);
  } else if (portal.address.find(':') != std::string::npos && !portal.address.starts_with('[')) {
    host = "[" + portal.address + "]";  // RFC 7143 13.8: IPv6 literals in brackets
  } else {
    host = portal.address;
  }
  return host + ":" + std::to_string(portal.port) + "," + std::to_string(tpgt);
}

void send_targets(const SendTargetsRequest& request, std::span<const std::shared_ptr<const TargetNode>> targets,
                  iscsi::TextPairs& out) {
  const bool discovery = request.session_type == iscsi::SessionType::discovery;
  std::string_view wanted = request.value;
  if (!discovery && (wanted.empty() || wanted == "All")) wanted = request.session_target;
  if (wanted.empty()) return;
  for (const auto& target : targets) {
    if (wanted != "All" && target->name != wanted) continue;
    // A normal session sees only its own target.
    if (!discovery && target->name != request.session_target) continue;
    if (!initiator_allowed(*target, request.initiator_name)) continue;
    list_target(*target, request.local, out);
  }
}

}  // namespace uiscsi::target::iscsit
