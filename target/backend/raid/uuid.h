// A 128-bit identifier for RAID volumes and their members (RFC 9562 version 4, random).
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace uiscsi::target::raid {

struct Uuid {
  std::array<std::byte, 16> bytes{};

  bool is_nil() const noexcept;
  // "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", lower case.
  std::string to_string() const;
  // The inverse of to_string(); nullopt for anything else.
  static std::optional<Uuid> parse(std::string_view text) noexcept;
  // A random version 4 UUID from the kernel's random source (getrandom(2)); the system
  // error of getrandom if the kernel has none.
  static Uuid generate(std::error_code& ec) noexcept;

  friend bool operator==(const Uuid&, const Uuid&) = default;
};

}  // namespace uiscsi::target::raid
