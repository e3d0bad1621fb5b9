#include "initiator/isid.h"

#include <charconv>
#include <random>

namespace uiscsi::initiator {

iscsi::Isid make_random_isid(std::uint16_t qualifier) {
  // Not a secret, only unlikely to clash: std::random_device is enough (no crypto needed).
  std::random_device source;
  const std::uint32_t random = source();
  return {0x80,  // T = 10b (Random), A = 0
          static_cast<std::uint8_t>(random >> 16), static_cast<std::uint8_t>(random >> 8),
          static_cast<std::uint8_t>(random), static_cast<std::uint8_t>(qualifier >> 8),
          static_cast<std::uint8_t>(qualifier)};
}

std::string format_isid(const iscsi::Isid& isid) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const std::uint8_t b : isid) {
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  return out;
}

std::optional<iscsi::Isid> parse_isid(std::string_view text) {
  iscsi::Isid out{};
  if (text.size() != 2 * out.size()) return std::nullopt;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const char* first = text.data() + 2 * i;
    const auto [end, ec] = std::from_chars(first, first + 2, out[i], 16);
    if (ec != std::errc{} || end != first + 2) return std::nullopt;
  }
  return out;
}

}  // namespace uiscsi::initiator
