#include "initiator/portal.h"

#include <algorithm>
#include <charconv>

namespace uiscsi::initiator {
namespace {

template <typename T>
std::optional<T> parse_decimal(std::string_view text) {
  T value{};
  if (text.empty()) return std::nullopt;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string Portal::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<offload::SocketAddress> Portal::socket_address() const {
  return offload::SocketAddress::ip(host, port);
}

std::optional<Portal> parse_portal(std::string_view text) {
  Portal out;
  std::string_view rest;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = std::string(text.substr(1, close - 1));
    rest = text.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return std::nullopt;
  } else if (std::count(text.begin(), text.end(), ':') > 1) {
    out.host = std::string(text);  // a bare IPv6 address: no port can follow it unambiguously
  } else {
    const std::size_t colon = text.find(':');
    out.host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) rest = text.substr(colon);
  }
  if (out.host.empty()) return std::nullopt;
  if (!rest.empty()) {
    const auto port = parse_decimal<std::uint16_t>(rest.substr(1));
    if (!port || *port == 0) return std::nullopt;
    out.port = *port;
  }
  return out;
}

std::optional<TargetAddress> parse_target_address(std::string_view text) {
  TargetAddress out;
  // The tag follows the last comma; neither a host nor a port contains one.
  const std::size_t comma = text.rfind(',');
  if (comma != std::string_view::npos) {
    const auto tag = parse_decimal<std::uint16_t>(text.substr(comma + 1));
    if (!tag) return std::nullopt;
    out.portal_group_tag = *tag;
    text = text.substr(0, comma);
  }
  auto portal = parse_portal(text);
  if (!portal) return std::nullopt;
  out.portal = std::move(*portal);
  return out;
}

}  // namespace uiscsi::initiator
