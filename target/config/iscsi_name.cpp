#include "target/config/iscsi_name.h"

#include <algorithm>

namespace uiscsi::target::config {
namespace {

constexpr std::size_t kMaxNameBytes = 223;  // RFC 7143 4.2.7, "iSCSI Name Encoding"

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_hex(char c) noexcept { return is_digit(c) || (c >= 'a' && c <= 'f'); }
bool is_ascii(char c) noexcept { return static_cast<unsigned char>(c) < 0x80; }
bool allowed_ascii(char c) noexcept {
  return (c >= 'a' && c <= 'z') || is_digit(c) || c == '-' || c == '.' || c == ':';
}

std::optional<std::string> hex_problem(std::string_view digits, std::string_view type,
                                       std::initializer_list<std::size_t> lengths) {
  const bool length_ok =
      std::find(lengths.begin(), lengths.end(), digits.size()) != lengths.end();
  if (!length_ok || !std::all_of(digits.begin(), digits.end(), is_hex)) {
    std::string counts;
    for (const std::size_t n : lengths) counts += (counts.empty() ? "" : " or ") + std::to_string(n);
    return "an '" + std::string(type) + "' name is followed by " + counts + " hex digits";
  }
  return std::nullopt;
}

// "iqn." yyyy-mm "." naming-authority [":" unique-name] (RFC 7143 4.2.7, Type "iqn.").
std::optional<std::string> iqn_problem(std::string_view rest) {
  const bool date_ok = rest.size() >= 8 && is_digit(rest[0]) && is_digit(rest[1]) &&
                       is_digit(rest[2]) && is_digit(rest[3]) && rest[4] == '-' &&
                       is_digit(rest[5]) && is_digit(rest[6]);
  const int month = date_ok ? (rest[5] - '0') * 10 + (rest[6] - '0') : 0;
  if (!date_ok || month < 1 || month > 12 || rest[7] != '.') {
    return std::string("an 'iqn.' name continues with a date yyyy-mm and '.' "
                       "(e.g. iqn.2026-11.org.example:disk1)");
  }
  const std::string_view authority = rest.substr(8, rest.find(':', 8) - 8);
  if (authority.empty() || authority.front() == '.' || authority.back() == '.') {
    return std::string("an 'iqn.' name needs a reversed domain name after the date "
                       "(e.g. iqn.2026-11.org.example)");
  }
  return std::nullopt;
}

}  // namespace

std::string normalize_iscsi_name(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::optional<std::string> iscsi_name_problem(std::string_view name) {
  if (name.empty()) return std::string("the name is empty");
  if (name.size() > kMaxNameBytes) {
    return "the name is " + std::to_string(name.size()) + " bytes long; at most " +
           std::to_string(kMaxNameBytes) + " are allowed";
  }
  for (const char c : name) {
    if (is_ascii(c) && !allowed_ascii(c)) {
      const std::string shown = c == ' ' ? "space" : (c < 0x20 || c == 0x7f) ? "control character"
                                                                            : "'" + std::string(1, c) + "'";
      return "the name contains a " + shown +
             "; only a-z, 0-9, '-', '.' and ':' are allowed";
    }
  }
  if (name.starts_with("iqn.")) return iqn_problem(name.substr(4));
  if (name.starts_with("eui.")) return hex_problem(name.substr(4), "eui.", {16});
  if (name.starts_with("naa.")) return hex_problem(name.substr(4), "naa.", {16, 32});
  return std::string("the name starts with neither 'iqn.', 'eui.' nor 'naa.'");
}

}  // namespace uiscsi::target::config
