#include "iscsi/text.h"

#include <algorithm>

#include "iscsi/keys.h"

namespace uiscsi::iscsi {
namespace {

bool is_letter(char c) noexcept { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_label_char(char c) noexcept {
  return is_letter(c) || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == '@' ||
         c == '_';
}

std::error_code check_pair(std::string_view key, std::string_view value) noexcept {
  if (!valid_key_name(key)) return text_errc::invalid_key;
  if (value.size() > max_value_length(key)) return text_errc::value_too_long;
  return {};
}

}  // namespace

bool valid_key_name(std::string_view key) noexcept {
  // RFC 7143 6.1 asks for a capital letter first, but its own iSCSIProtocolLevel (13.24)
  // starts with a small one: any letter.
  if (key.empty() || key.size() > kMaxKeyNameLength || !is_letter(key[0])) return false;
  for (std::size_t i = 1; i < key.size(); ++i) {
    const bool public_extension = i == 1 && key[0] == 'X' && key[1] == '#';
    if (!is_label_char(key[i]) && !public_extension) return false;
  }
  return true;
}

std::error_code parse_text(std::span<const std::byte> data, TextPairs& out) {
  const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  TextPairs parsed;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = text.find('\0', pos);
    if (end == std::string_view::npos) return text_errc::missing_terminator;
    const std::string_view entry = text.substr(pos, end - pos);
    pos = end + 1;
    if (entry.empty()) continue;
    const std::size_t equals = entry.find('=');
    if (equals == std::string_view::npos) return text_errc::missing_equals;
    const std::string_view key = entry.substr(0, equals);
    const std::string_view value = entry.substr(equals + 1);
    if (auto ec = check_pair(key, value)) return ec;
    parsed.push_back({std::string(key), std::string(value)});
  }
  out.insert(out.end(), std::make_move_iterator(parsed.begin()),
             std::make_move_iterator(parsed.end()));
  return {};
}

std::size_t serialized_size(std::span<const TextPair> pairs) noexcept {
  std::size_t size = 0;
  for (const TextPair& p : pairs) size += p.key.size() + 1 + p.value.size() + 1;
  return size;
}

std::error_code serialize_text(std::span<const TextPair> pairs, std::vector<std::byte>& out) {
  for (const TextPair& p : pairs) {
    if (auto ec = check_pair(p.key, p.value)) return ec;
    if (p.value.find('\0') != std::string::npos) return text_errc::value_contains_nul;
  }
  const std::size_t start = out.size();
  out.resize(start + serialized_size(pairs));
  auto* dst = reinterpret_cast<char*>(out.data() + start);
  for (const TextPair& p : pairs) {
    dst = std::copy(p.key.begin(), p.key.end(), dst);
    *dst++ = '=';
    dst = std::copy(p.value.begin(), p.value.end(), dst);
    *dst++ = '\0';
  }
  return {};
}

const TextPair* find_pair(std::span<const TextPair> pairs, std::string_view key) noexcept {
  const auto it =
      std::find_if(pairs.begin(), pairs.end(), [key](const TextPair& p) { return p.key == key; });
  return it == pairs.end() ? nullptr : &*it;
}

}  // namespace uiscsi::iscsi
