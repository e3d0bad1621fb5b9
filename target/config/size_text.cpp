#include "target/config/size_text.h"

#include <array>
#include <charconv>

namespace uiscsi::target::config {
namespace {

struct Unit {
  char letter;
  unsigned shift;
  std::string_view name;
};
constexpr std::array<Unit, 5> kUnits{{{'K', 10, "KiB"},
                                      {'M', 20, "MiB"},
                                      {'G', 30, "GiB"},
                                      {'T', 40, "TiB"},
                                      {'P', 50, "PiB"}}};

char upper(char c) noexcept { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

}  // namespace

std::optional<std::uint64_t> parse_size(std::string_view text, std::string& error) {
  std::uint64_t number = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, number);
  if (ptr == text.data()) {
    error = "size '" + std::string(text) + "' does not start with a number";
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range) {
    error = "size '" + std::string(text) + "' is too large";
    return std::nullopt;
  }
  std::string_view suffix(ptr, static_cast<std::size_t>(end - ptr));
  while (suffix.starts_with(' ')) suffix.remove_prefix(1);
  if (suffix.empty()) return number;

  unsigned shift = 0;
  bool known = false;
  for (const Unit& unit : kUnits) {
    if (upper(suffix.front()) != unit.letter) continue;
    const std::string_view rest = suffix.substr(1);
    // K, KB, KiB (any case): all binary, see the header.
    if (rest.empty() || rest == "B" || rest == "b" || rest == "iB" || rest == "ib") {
      shift = unit.shift;
      known = true;
    }
    break;
  }
  if (!known) {
    if (suffix == "B" || suffix == "b") return number;
    error = "size '" + std::string(text) + "': unknown unit '" + std::string(suffix) +
            "' (use K, M, G, T or P, meaning KiB, MiB, GiB, TiB, PiB)";
    return std::nullopt;
  }
  if (number > (UINT64_MAX >> shift)) {
    error = "size '" + std::string(text) + "' is too large";
    return std::nullopt;
  }
  return number << shift;
}

std::string format_size(std::uint64_t bytes) {
  if (bytes == 0) return "0 bytes";
  for (auto it = kUnits.rbegin(); it != kUnits.rend(); ++it) {
    const std::uint64_t mask = (std::uint64_t{1} << it->shift) - 1;
    if ((bytes & mask) == 0) return std::to_string(bytes >> it->shift) + " " + std::string(it->name);
  }
  return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

}  // namespace uiscsi::target::config
