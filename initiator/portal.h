// Where a target listens: a portal (address and TCP port), and the TargetAddress text form
// that carries one in a SendTargets response or a login redirection (RFC 7143 13.8):
//
//   TargetAddress=domainname[:port][,portal-group-tag]
//
// where domainname is a DNS name, a dotted IPv4 address, or an IPv6 address in brackets.
// We only connect to numeric addresses (name resolution is the caller's business, as in
// offload::SocketAddress::ip), but a name still parses: discovery reports it as given.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "offload/socket_address.h"

namespace uiscsi::initiator {

// RFC 7143 13.8: "If the TCP port is not specified, it is assumed to be the IANA-assigned
// default port for iSCSI", 3260.
inline constexpr std::uint16_t kDefaultIscsiPort = 3260;

struct Portal {
  std::string host;  // as written, without IPv6 brackets: "192.0.2.1", "::1", "disk.example"
  std::uint16_t port = kDefaultIscsiPort;

  // "192.0.2.1:3260", "[::1]:3260".
  std::string to_string() const;
  // The socket address to connect to; nullopt if `host` is not a numeric address.
  std::optional<offload::SocketAddress> socket_address() const;

  friend bool operator==(const Portal&, const Portal&) = default;
};

// One TargetAddress value.
struct TargetAddress {
  Portal portal;
  // The portal group tag after the comma; RFC 7143 13.8 makes it mandatory in a SendTargets
  // response, but a redirection may leave it out.
  std::optional<std::uint16_t> portal_group_tag;

  friend bool operator==(const TargetAddress&, const TargetAddress&) = default;
};

// Parses "host[:port][,tpgt]" ("[v6]:port,tpgt" for IPv6; a bare IPv6 address without
// brackets is accepted when no port follows it). nullopt for an empty host, an unclosed
// bracket, a port or tag that is not a decimal number in range, or a port of 0.
std::optional<TargetAddress> parse_target_address(std::string_view text);

// The same syntax without the portal group tag, as a user writes a portal ("10.0.0.1",
// "10.0.0.1:3261", "[fe80::1]:3260").
std::optional<Portal> parse_portal(std::string_view text);

}  // namespace uiscsi::initiator
