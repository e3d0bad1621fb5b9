// Helpers for the configuration loader tests.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <string_view>

#include "target/config/toml_loader.h"

namespace uiscsi::target::config::testing {

// 1-based line of the first occurrence of `marker` in `text` (0 if absent).
inline std::uint32_t line_of(std::string_view text, std::string_view marker) {
  const auto at = text.find(marker);
  if (at == std::string_view::npos) return 0;
  std::uint32_t line = 1;
  for (std::size_t i = 0; i < at; ++i) line += text[i] == '\n';
  return line;
}

inline LoadResult parse(std::string_view text, std::vector<iscsit::Portal> listen = {},
                        std::filesystem::path base = std::filesystem::temp_directory_path()) {
  LoadOptions options;
  options.base_directory = std::move(base);
  options.listen = std::move(listen);
  return parse_config(text, "test.toml", options);
}

// The diagnostic whose message contains `fragment`, or nullptr.
inline const Diagnostic* find(const LoadResult& result, std::string_view fragment) {
  for (const auto& d : result.diagnostics) {
    if (d.message.find(fragment) != std::string::npos) return &d;
  }
  return nullptr;
}

inline std::string all_messages(const LoadResult& result) {
  std::string out;
  for (const auto& d : result.diagnostics) out += format(d, "test.toml") + "\n";
  return out;
}

// A one-target configuration that loads; tests append to it or replace parts of it.
inline constexpr std::string_view kMinimal = R"([[target]]
name = "iqn.2026-11.org.example:t"
portals = ["127.0.0.1:3260"]

[[target.lun]]
number = 0
backend = "ram"
size = "1M"
)";

}  // namespace uiscsi::target::config::testing
