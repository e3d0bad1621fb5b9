#include "target/backend/raid/uuid.h"

#include <sys/random.h>

#include <cerrno>

namespace uiscsi::target::raid {

bool Uuid::is_nil() const noexcept {
  for (auto b : bytes)
    if (b != std::byte{0}) return false;
  return true;
}

std::string Uuid::to_string() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    const auto v = std::to_integer<unsigned>(bytes[i]);
    s.push_back(kHex[v >> 4]);
    s.push_back(kHex[v & 15]);
  }
  return s;
}

std::optional<Uuid> Uuid::parse(std::string_view text) noexcept {
  if (text.size() != 36) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Uuid u;
  std::size_t pos = 0;
  for (std::size_t i = 0; i < u.bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) {
      if (text[pos++] != '-') return std::nullopt;
    }
    const int hi = nibble(text[pos++]);
    const int lo = nibble(text[pos++]);
    if (hi < 0 || lo < 0) return std::nullopt;
    u.bytes[i] = static_cast<std::byte>(hi << 4 | lo);
  }
  return u;
}

Uuid Uuid::generate(std::error_code& ec) noexcept {
  ec.clear();
  Uuid u;
  std::size_t got = 0;
  while (got < u.bytes.size()) {
    const ssize_t n = ::getrandom(u.bytes.data() + got, u.bytes.size() - got, 0);
    if (n > 0) {
      got += static_cast<std::size_t>(n);
    } else if (n < 0 && errno != EINTR) {
      ec = std::error_code(errno, std::system_category());
      return {};
    }
  }
  u.bytes[6] = (u.bytes[6] & std::byte{0x0f}) | std::byte{0x40};  // version 4
  u.bytes[8] = (u.bytes[8] & std::byte{0x3f}) | std::byte{0x80};  // RFC 9562 variant
  return u;
}

}  // namespace uiscsi::target::raid
