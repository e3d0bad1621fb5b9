#include "target/config/portal_text.h"

#include <charconv>

#include "offload/socket_address.h"

namespace uiscsi::target::config {
namespace {

std::optional<std::uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

}  // namespace

std::optional<iscsit::Portal> parse_portal(std::string_view text, std::string& error) {
  std::string_view host = text;
  std::string_view port_text;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) {
      error = "portal '" + std::string(text) + "' has '[' without ']'";
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    const auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (!rest.starts_with(':')) {
        error = "portal '" + std::string(text) + "': expected ':PORT' after ']'";
        return std::nullopt;
      }
      port_text = rest.substr(1);
      if (port_text.empty()) {
        error = "portal '" + std::string(text) + "' has an empty port";
        return std::nullopt;
      }
    }
  } else if (const auto colon = text.find(':'); colon != std::string_view::npos &&
                                                text.find(':', colon + 1) == std::string_view::npos) {
    // Exactly one colon: IPv4 (or a name) with a port. Several colons and no brackets: a
    // bare IPv6 address, which cannot carry a port without brackets.
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (port_text.empty()) {
      error = "portal '" + std::string(text) + "' has an empty port";
      return std::nullopt;
    }
  }

  iscsit::Portal portal;
  portal.port = kIscsiPort;
  if (!port_text.empty()) {
    const auto port = parse_port(port_text);
    if (!port) {
      error = "portal '" + std::string(text) + "': port '" + std::string(port_text) +
              "' is not a number from 0 to 65535";
      return std::nullopt;
    }
    portal.port = *port;
  }
  if (host.empty()) {
    error = "portal '" + std::string(text) + "' has no address";
    return std::nullopt;
  }
  if (!offload::SocketAddress::ip(host, portal.port)) {
    error = "portal '" + std::string(text) + "': '" + std::string(host) +
            "' is not a numeric IPv4 or IPv6 address (IPv6 with a port: [ADDR]:PORT)";
    return std::nullopt;
  }
  portal.address = std::string(host);
  return portal;
}

std::string format_portal(const iscsit::Portal& portal) {
  const bool v6 = portal.address.find(':') != std::string::npos;
  return (v6 ? "[" + portal.address + "]" : portal.address) + ":" + std::to_string(portal.port);
}

}  // namespace uiscsi::target::config
