// One record of the node database in open-iscsi's text form, as iscsiadm writes it to
// nodes/<iqn>/<ip>,<port>,<tpgt>/default and send_targets/<ip>,<port>/st_config:
//
//   # BEGIN RECORD 2.1.8
//   node.name = iqn.2001-04.com.example:disk
//   node.session.auth.username = <empty>
//   # END RECORD
//
// Keys keep their order (a file we rewrite stays diffable against the one we read). The
// value "<empty>" stands for the empty string, as in open-iscsi. The parser does no I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace uiscsi::initiator::node_db {

// What open-iscsi writes for an empty value.
inline constexpr std::string_view kEmptyValue = "<empty>";

class Record {
 public:
  using Entry = std::pair<std::string, std::string>;

  // nullptr when the key is absent.
  const std::string* find(std::string_view key) const noexcept;
  std::string get(std::string_view key, std::string_view fallback = {}) const;
  // Replaces the value of an existing key in place, or appends the key.
  void set(std::string_view key, std::string_view value);
  bool contains(std::string_view key) const noexcept { return find(key) != nullptr; }

  const std::vector<Entry>& entries() const noexcept { return entries_; }
  friend bool operator==(const Record&, const Record&) = default;

 private:
  std::vector<Entry> entries_;
};

struct ParsedRecord {
  std::optional<Record> record;  // nullopt: `error` says which line is wrong and why
  std::string error;
};

// Blank lines and lines starting with '#' are skipped; every other line must be
// "key = value" (spaces around '=' optional). A key repeated later wins, as in open-iscsi.
// Refused: a line without '=', an empty key, a key with white space or control characters,
// and NUL bytes anywhere.
ParsedRecord parse_record(std::string_view text);

// "# BEGIN RECORD <version>", the entries in order (empty values as "<empty>"), "# END RECORD".
std::string format_record(const Record& record, std::string_view version);

}  // namespace uiscsi::initiator::node_db
