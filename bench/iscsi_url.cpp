#include "bench/iscsi_url.h"

#include <charconv>

namespace uiscsi::bench {
namespace {

template <class Int>
bool parse_decimal(std::string_view text, Int max, Int& value) {
  if (text.empty()) return false;
  unsigned long long v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v > max) return false;
  value = static_cast<Int>(v);
  return true;
}

}  // namespace

std::string IscsiUrl::to_string() const {
  std::string out = "iscsi://";
  if (!user.empty()) out += user + (password.empty() ? "" : "%" + password) + "@";
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  out += ":" + std::to_string(port) + "/" + target_name + "/" + std::to_string(lun);
  return out;
}

std::optional<IscsiUrl> parse_iscsi_url(std::string_view text, std::string& why) {
  constexpr std::string_view kScheme = "iscsi://";
  if (!text.starts_with(kScheme)) {
    why = "an iSCSI URL starts with iscsi://";
    return std::nullopt;
  }
  std::string_view rest = text.substr(kScheme.size());
  IscsiUrl url;

  // The authority ends at the first '/'; credentials end at the last '@' before it.
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) {
    why = "missing /TARGET-IQN/LUN after the host";
    return std::nullopt;
  }
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = rest.substr(slash + 1);
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view credentials = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const std::size_t percent = credentials.find('%');
    url.user = std::string(credentials.substr(0, percent));
    if (percent != std::string_view::npos) url.password = std::string(credentials.substr(percent + 1));
    if (url.user.empty()) {
      why = "empty user name before '@'";
      return std::nullopt;
    }
  }

  std::string_view port_text;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      why = "unclosed '[' in the host";
      return std::nullopt;
    }
    url.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) {
        why = "unexpected text after ']'";
        return std::nullopt;
      }
      port_text = after.substr(1);
      if (port_text.empty()) {
        why = "empty port after ':'";
        return std::nullopt;
      }
    }
  } else {
    const std::size_t colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) {
        why = "empty port after ':'";
        return std::nullopt;
      }
    }
  }
  if (url.host.empty()) {
    why = "empty host";
    return std::nullopt;
  }
  if (!port_text.empty() && (!parse_decimal<std::uint16_t>(port_text, 65535, url.port) || url.port == 0)) {
    why = "port '" + std::string(port_text) + "' is not a number in 1..65535";
    return std::nullopt;
  }

  const std::size_t lun_slash = path.rfind('/');
  if (lun_slash == std::string_view::npos || lun_slash == 0) {
    why = "the path must be /TARGET-IQN/LUN";
    return std::nullopt;
  }
  url.target_name = std::string(path.substr(0, lun_slash));
  const std::string_view lun_text = path.substr(lun_slash + 1);
  // SAM-5 flat space addressing reaches LUN 16383; iscsi/scsi_lun.h encodes up to there.
  if (!parse_decimal<std::uint16_t>(lun_text, 16383, url.lun)) {
    why = "LUN '" + std::string(lun_text) + "' is not a number in 0..16383";
    return std::nullopt;
  }
  if (url.target_name.find('/') != std::string::npos) {
    why = "the target name may not contain '/'";
    return std::nullopt;
  }
  return url;
}

}  // namespace uiscsi::bench
