#include "iscsi/text_values.h"

#include <openssl/evp.h>

#include <charconv>
#include <limits>

namespace uiscsi::iscsi {
namespace {

bool has_prefix(std::string_view text, char lower) noexcept {
  return text.size() >= 2 && text[0] == '0' && (text[1] == lower || text[1] == lower - 32);
}

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_base64_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// The digits after "0x": bytes with implicit length (digits + 1) / 2.
bool decode_hex(std::string_view digits, std::vector<std::byte>& out) {
  if (digits.empty()) return false;
  std::vector<std::byte> bytes((digits.size() + 1) / 2);
  std::size_t i = 0;
  std::size_t byte = 0;
  if (digits.size() % 2 == 1) {  // the odd first digit is the low nibble of byte 0
    const int d = hex_digit(digits[0]);
    if (d < 0) return false;
    bytes[byte++] = static_cast<std::byte>(d);
    i = 1;
  }
  for (; i < digits.size(); i += 2) {
    const int hi = hex_digit(digits[i]);
    const int lo = hex_digit(digits[i + 1]);
    if (hi < 0 || lo < 0) return false;
    bytes[byte++] = static_cast<std::byte>(hi << 4 | lo);
  }
  out = std::move(bytes);
  return true;
}

// The characters after "0b": RFC 4648 base64, padded or not. OpenSSL decodes; we check the
// alphabet and the padding first, because EVP_DecodeBlock skips blanks and counts the pad
// bytes as data.
bool decode_base64(std::string_view chars, std::vector<std::byte>& out) {
  std::size_t pad = 0;
  while (pad < chars.size() && chars[chars.size() - 1 - pad] == '=') ++pad;
  const std::string_view body = chars.substr(0, chars.size() - pad);
  if (body.empty() || pad > 2 || body.size() % 4 == 1) return false;
  if (pad != 0 && chars.size() % 4 != 0) return false;  // '=' only completes the last group
  if (body.size() > static_cast<std::size_t>(std::numeric_limits<int>::max() / 2)) return false;
  for (char c : body) {
    if (!is_base64_char(c)) return false;
  }
  std::string padded(body);
  padded.append((4 - body.size() % 4) % 4, '=');
  std::vector<unsigned char> decoded(padded.size() / 4 * 3);
  const int n =
      EVP_DecodeBlock(decoded.data(), reinterpret_cast<const unsigned char*>(padded.data()),
                      static_cast<int>(padded.size()));
  if (n < 0) return false;
  const std::size_t length = body.size() * 3 / 4;  // without the bytes the padding made up
  out.resize(length);
  for (std::size_t i = 0; i < length; ++i) out[i] = static_cast<std::byte>(decoded[i]);
  return true;
}

}  // namespace

std::error_code parse_number(std::string_view text, std::uint64_t& out) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t value = 0;
  if (has_prefix(text, 'x')) {
    const std::string_view digits = text.substr(2);
    if (digits.empty()) return text_errc::invalid_number;
    for (char c : digits) {
      const int d = hex_digit(c);
      if (d < 0) return text_errc::invalid_number;
      if (value > (kMax >> 4)) return text_errc::number_out_of_range;
      value = value << 4 | static_cast<std::uint64_t>(d);
    }
  } else if (has_prefix(text, 'b')) {
    std::vector<std::byte> bytes;
    if (!decode_base64(text.substr(2), bytes)) return text_errc::invalid_number;
    for (std::byte b : bytes) {  // big-endian; leading zero bytes do not count
      if (value > (kMax >> 8)) return text_errc::number_out_of_range;
      value = value << 8 | std::to_integer<std::uint64_t>(b);
    }
  } else {
    if (text.empty()) return text_errc::invalid_number;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc::result_out_of_range) {
      // from_chars stops at the first non-digit even on overflow: tell a long number from
      // a malformed one.
      for (const char* p = end; p != text.data() + text.size(); ++p) {
        if (*p < '0' || *p > '9') return text_errc::invalid_number;
      }
      return text_errc::number_out_of_range;
    }
    if (ec != std::errc{} || end != text.data() + text.size()) return text_errc::invalid_number;
  }
  out = value;
  return {};
}

std::string format_number(std::uint64_t value) { return std::to_string(value); }

std::error_code parse_binary(std::string_view text, std::vector<std::byte>& out) {
  if (has_prefix(text, 'x')) {
    if (!decode_hex(text.substr(2), out)) return text_errc::invalid_binary;
    return {};
  }
  if (has_prefix(text, 'b')) {
    if (!decode_base64(text.substr(2), out)) return text_errc::invalid_binary;
    return {};
  }
  return text_errc::invalid_binary;
}

std::string format_hex(std::span<const std::byte> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  if (bytes.empty()) return "0x0";
  std::string text = "0x";
  text.reserve(2 + 2 * bytes.size());
  for (std::byte b : bytes) {
    const auto v = std::to_integer<unsigned>(b);
    text += kDigits[v >> 4];
    text += kDigits[v & 0xf];
  }
  return text;
}

std::string format_base64(std::span<const std::byte> bytes) {
  if (bytes.empty()) return "0bAA==";
  std::string text(2 + 4 * ((bytes.size() + 2) / 3) + 1, '\0');  // + the NUL OpenSSL writes
  text[0] = '0';
  text[1] = 'b';
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data() + 2),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  text.resize(2 + static_cast<std::size_t>(n));
  return text;
}

std::error_code parse_boolean(std::string_view text, bool& out) noexcept {
  if (text == "Yes") {
    out = true;
  } else if (text == "No") {
    out = false;
  } else {
    return text_errc::invalid_boolean;
  }
  return {};
}

std::string_view format_boolean(bool value) noexcept { return value ? "Yes" : "No"; }

std::vector<std::string_view> split_list(std::string_view value) {
  std::vector<std::string_view> items;
  std::size_t pos = 0;
  while (pos <= value.size()) {
    std::size_t comma = value.find(',', pos);
    if (comma == std::string_view::npos) comma = value.size();
    if (comma > pos) items.push_back(value.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return items;
}

}  // namespace uiscsi::iscsi
