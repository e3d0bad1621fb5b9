// libiscsi's iSCSI URL syntax (initiator/nbd/iscsi_url.h).
#include "initiator/nbd/iscsi_url.h"

#include <charconv>

namespace uiscsi::initiator::nbd {

namespace {

std::optional<std::vector<iscsi::DigestType>> parse_digests(std::string_view v) {
  using iscsi::DigestType;
  if (v == "crc32c") return std::vector{DigestType::crc32c};
  if (v == "none") return std::vector{DigestType::none};
  if (v == "crc32c-none") return std::vector{DigestType::crc32c, DigestType::none};
  if (v == "none-crc32c") return std::vector{DigestType::none, DigestType::crc32c};
  return std::nullopt;
}

}  // namespace

std::optional<IscsiUrl> parse_iscsi_url(std::string_view text, std::string& why) {
  constexpr std::string_view scheme = "iscsi://";
  if (text.substr(0, scheme.size()) != scheme) {
    why = "not an iscsi:// URL";
    return std::nullopt;
  }
  std::string_view rest = text.substr(scheme.size());
  IscsiUrl url;
  std::string_view arguments;
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    arguments = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  // As libiscsi: everything before the first '@' is the user (and password); an IQN has no
  // '@', so a password may hold '/'.
  if (const auto at = rest.find('@'); at != std::string_view::npos) {
    const std::string_view credentials = rest.substr(0, at);
    const auto percent = credentials.find('%');
    url.user = std::string(credentials.substr(0, percent));
    if (percent != std::string_view::npos) url.password = std::string(credentials.substr(percent + 1));
    rest = rest.substr(at + 1);
  }
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) {
    why = "the URL names no target: iscsi://HOST[:PORT]/TARGET-IQN/LUN";
    return std::nullopt;
  }
  const auto portal = parse_portal(rest.substr(0, slash));
  if (!portal) {
    why = "bad host or port \"" + std::string(rest.substr(0, slash)) + "\"";
    return std::nullopt;
  }
  url.portal = *portal;
  rest = rest.substr(slash + 1);
  const auto lun_slash = rest.rfind('/');
  if (lun_slash == std::string_view::npos || lun_slash == 0) {
    why = "the URL names no LUN: iscsi://HOST[:PORT]/TARGET-IQN/LUN";
    return std::nullopt;
  }
  url.target = std::string(rest.substr(0, lun_slash));
  const std::string_view lun = rest.substr(lun_slash + 1);
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(lun.data(), lun.data() + lun.size(), value);
  if (lun.empty() || ec != std::errc() || end != lun.data() + lun.size() || value > 0x3fff) {
    why = "bad LUN \"" + std::string(lun) + "\" (0 to 16383)";
    return std::nullopt;
  }
  url.lun = static_cast<std::uint16_t>(value);
  while (!arguments.empty()) {
    const auto amp = arguments.find('&');
    const std::string_view arg = arguments.substr(0, amp);
    arguments = amp == std::string_view::npos ? std::string_view{} : arguments.substr(amp + 1);
    const auto eq = arg.find('=');
    const std::string_view key = arg.substr(0, eq);
    const std::string_view v = eq == std::string_view::npos ? std::string_view{} : arg.substr(eq + 1);
    if (key == "target_user") {
      url.target_user = std::string(v);
    } else if (key == "target_password") {
      url.target_password = std::string(v);
    } else if (key == "header_digest" || key == "data_digest") {
      auto d = parse_digests(v);
      if (!d) {
        why = "bad " + std::string(key) + " \"" + std::string(v) + "\" (crc32c, none, crc32c-none, none-crc32c)";
        return std::nullopt;
      }
      (key == "header_digest" ? url.header_digests : url.data_digests) = std::move(d);
    } else if (key == "iser") {
      why = "iSER URLs are not supported here; use iscsi:// over TCP";
      return std::nullopt;
    } else if (!key.empty()) {
      why = "unknown URL argument \"" + std::string(key) + "\"";
      return std::nullopt;
    }
  }
  return url;
}

}  // namespace uiscsi::initiator::nbd
