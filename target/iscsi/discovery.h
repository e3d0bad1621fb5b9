// SendTargets (RFC 7143 13.3, Appendix C): which targets an initiator is told about, and at
// which addresses. No I/O: it turns the request's value into TargetName / TargetAddress
// pairs; the Text Request handler (text_request.cpp) sends them, split across PDUs if need be.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "iscsi/negotiation_params.h"
#include "iscsi/text.h"
#include "offload/socket_address.h"
#include "target/iscsi/config.h"

namespace uiscsi::target::iscsit {

struct SendTargetsRequest {
  std::string_view value;            // "All", a target name, or empty
  iscsi::SessionType session_type = iscsi::SessionType::discovery;
  std::string_view session_target;   // the target of a normal session
  std::string_view initiator_name;   // only targets whose ACL allows it are listed
  // The address the asking connection arrived on: reported for portals that listen on the
  // wildcard address ("0.0.0.0", "::"), whose own address means nothing to the initiator.
  offload::SocketAddress local;
};

// Appends the answer to `out`: for every target asked for and allowed, TargetName=<name>
// followed by one TargetAddress=<address>:<port>,<tpgt> per portal of each of its portal
// groups (IPv6 addresses in brackets). "All" lists every allowed target but only in a
// discovery session; in a normal session it is read as the session's target (the only one
// the session may see, RFC 7143 Appendix C). An empty value means the session's target
// (normal sessions) and lists nothing in a discovery session. A named target that does not
// exist or is not allowed is simply absent.
void send_targets(const SendTargetsRequest& request, std::span<const std::shared_ptr<const TargetNode>> targets,
                  iscsi::TextPairs& out);

// "192.0.2.1:3260,1", "[2001:db8::1]:3260,1": the TargetAddress value of one portal.
std::string target_address(const Portal& portal, std::uint16_t tpgt, const offload::SocketAddress& local);

}  // namespace uiscsi::target::iscsit
