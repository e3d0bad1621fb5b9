#include "initiator/node_db/record.h"

#include <algorithm>

namespace uiscsi::initiator::node_db {
namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

bool valid_key(std::string_view key) {
  return !key.empty() && std::none_of(key.begin(), key.end(), [](char c) {
    return static_cast<unsigned char>(c) <= ' ' || c == 0x7f;
  });
}

}  // namespace

const std::string* Record::find(std::string_view key) const noexcept {
  for (const Entry& e : entries_) {
    if (e.first == key) return &e.second;
  }
  return nullptr;
}

std::string Record::get(std::string_view key, std::string_view fallback) const {
  const std::string* value = find(key);
  return value ? *value : std::string(fallback);
}

void Record::set(std::string_view key, std::string_view value) {
  for (Entry& e : entries_) {
    if (e.first == key) {
      e.second = value;
      return;
    }
  }
  entries_.emplace_back(key, value);
}

ParsedRecord parse_record(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return {std::nullopt, "the record contains a NUL byte"};
  Record record;
  std::size_t line_number = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view raw = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++line_number;
    const std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    const auto equals = line.find('=');
    const auto where = "line " + std::to_string(line_number) + ": ";
    if (equals == std::string_view::npos) {
      return {std::nullopt, where + "expected \"key = value\", got \"" + std::string(line) + "\""};
    }
    const std::string_view key = trim(line.substr(0, equals));
    const std::string_view value = trim(line.substr(equals + 1));
    if (!valid_key(key)) {
      return {std::nullopt, where + "bad key \"" + std::string(key) + "\""};
    }
    record.set(key, value == kEmptyValue ? std::string_view{} : value);
  }
  return {std::move(record), {}};
}

std::string format_record(const Record& record, std::string_view version) {
  std::string out = "# BEGIN RECORD ";
  out += version;
  out += '\n';
  for (const auto& [key, value] : record.entries()) {
    out += key;
    out += " = ";
    out += value.empty() ? kEmptyValue : std::string_view(value);
    out += '\n';
  }
  out += "# END RECORD\n";
  return out;
}

}  // namespace uiscsi::initiator::node_db
