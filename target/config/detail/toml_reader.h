// Typed, position-aware reading of toml++ tables for the configuration loader.
//
// toml++ is used header-only (its default; no library to link): only the loader's own
// sources include this header, so the rest of the target library never sees toml++.
// toml++ reports a syntax error by throwing toml::parse_error; the loader catches it at the
// one place it parses (configuration loading is not the data path).
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "target/config/diagnostic.h"

namespace uiscsi::target::config::detail {

SourcePosition position_of(const toml::source_region& region) noexcept;

// Collects what the loader finds, in the order found.
class Findings {
 public:
  void error(SourcePosition where, std::string message);
  void warning(SourcePosition where, std::string message);
  bool has_errors() const noexcept { return errors_ > 0; }
  // Sorted by position (stable, so findings without a position keep their order, last).
  std::vector<Diagnostic> take();

 private:
  std::vector<Diagnostic> diagnostics_;
  std::size_t errors_ = 0;
};

// Reads the keys of one table. Every accessor marks its key as known and reports a value of
// the wrong type or out of range as an error at the value (then returns nullopt / null, so
// the caller keeps its default and carries on: one run reports every problem). finish()
// reports the keys no accessor asked for, which are almost always typos.
class TableReader {
 public:
  // `path` names the table in messages the way the file spells it ("target.lun").
  TableReader(const toml::table& table, std::string path, Findings& findings);

  const toml::table& table() const noexcept { return table_; }
  const std::string& path() const noexcept { return path_; }
  Findings& findings() noexcept { return findings_; }
  // "target.lun.size": how messages name a key of this table.
  std::string key_path(std::string_view key) const;

  const toml::node* node(std::string_view key);
  std::optional<std::string> string(std::string_view key);
  std::optional<bool> boolean(std::string_view key);
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max);
  // An integer number of bytes, or a string with a unit ("1GiB", see size_text.h).
  std::optional<std::uint64_t> size(std::string_view key, std::uint64_t min, std::uint64_t max);
  const toml::table* table(std::string_view key);
  const toml::array* array(std::string_view key);

  // Where the table starts (its [header] line, or the '{' of an inline table).
  SourcePosition position() const noexcept;
  // Where the value of `key` starts; the table's position when the key is absent.
  SourcePosition position(std::string_view key) const noexcept;

  void finish();

 private:
  const toml::table& table_;
  std::string path_;
  Findings& findings_;
  std::set<std::string, std::less<>> known_;
};

// "a string", "an integer", ... for "expected X, found Y" messages.
std::string_view type_name(const toml::node& node) noexcept;

}  // namespace uiscsi::target::config::detail
