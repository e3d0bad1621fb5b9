#include "target/config/detail/toml_reader.h"

#include <algorithm>

#include "target/config/size_text.h"

namespace uiscsi::target::config::detail {

SourcePosition position_of(const toml::source_region& region) noexcept {
  return {region.begin.line, region.begin.column};
}

void Findings::error(SourcePosition where, std::string message) {
  diagnostics_.push_back({Severity::error, where, std::move(message)});
  ++errors_;
}

void Findings::warning(SourcePosition where, std::string message) {
  diagnostics_.push_back({Severity::warning, where, std::move(message)});
}

std::vector<Diagnostic> Findings::take() {
  const auto key = [](const Diagnostic& d) {
    // Unknown positions sort last: they are about the whole file.
    return std::pair{d.where.line == 0 ? UINT32_MAX : d.where.line, d.where.column};
  };
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return key(a) < key(b); });
  errors_ = 0;
  return std::move(diagnostics_);
}

std::string_view type_name(const toml::node& node) noexcept {
  switch (node.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

TableReader::TableReader(const toml::table& table, std::string path, Findings& findings)
    : table_(table), path_(std::move(path)), findings_(findings) {}

std::string TableReader::key_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

const toml::node* TableReader::node(std::string_view key) {
  known_.emplace(key);
  return table_.get(key);
}

std::optional<std::string> TableReader::string(std::string_view key) {
  const toml::node* n = node(key);
  if (!n) return std::nullopt;
  if (const auto* s = n->as_string()) return s->get();
  findings_.error(position_of(n->source()),
                  key_path(key) + ": expected a string, found " + std::string(type_name(*n)));
  return std::nullopt;
}

std::optional<bool> TableReader::boolean(std::string_view key) {
  const toml::node* n = node(key);
  if (!n) return std::nullopt;
  if (const auto* b = n->as_boolean()) return b->get();
  findings_.error(position_of(n->source()), key_path(key) + ": expected true or false, found " +
                                                std::string(type_name(*n)));
  return std::nullopt;
}

std::optional<std::int64_t> TableReader::integer(std::string_view key, std::int64_t min,
                                                 std::int64_t max) {
  const toml::node* n = node(key);
  if (!n) return std::nullopt;
  const auto* i = n->as_integer();
  if (!i) {
    findings_.error(position_of(n->source()), key_path(key) + ": expected an integer, found " +
                                                  std::string(type_name(*n)));
    return std::nullopt;
  }
  if (i->get() < min || i->get() > max) {
    findings_.error(position_of(n->source()),
                    key_path(key) + ": " + std::to_string(i->get()) + " is outside " +
                        std::to_string(min) + ".." + std::to_string(max));
    return std::nullopt;
  }
  return i->get();
}

std::optional<std::uint64_t> TableReader::size(std::string_view key, std::uint64_t min,
                                               std::uint64_t max) {
  const toml::node* n = node(key);
  if (!n) return std::nullopt;
  std::optional<std::uint64_t> bytes;
  if (const auto* i = n->as_integer()) {
    if (i->get() >= 0) bytes = static_cast<std::uint64_t>(i->get());
    else findings_.error(position_of(n->source()), key_path(key) + ": a size cannot be negative");
  } else if (const auto* s = n->as_string()) {
    std::string error;
    bytes = parse_size(s->get(), error);
    if (!bytes) findings_.error(position_of(n->source()), key_path(key) + ": " + error);
  } else {
    findings_.error(position_of(n->source()),
                    key_path(key) + ": expected a size (an integer, or a string such as \"1GiB\"), found " +
                        std::string(type_name(*n)));
  }
  if (bytes && (*bytes < min || *bytes > max)) {
    findings_.error(position_of(n->source()), key_path(key) + ": " + std::to_string(*bytes) +
                                                  " is outside " + std::to_string(min) + ".." +
                                                  std::to_string(max));
    return std::nullopt;
  }
  return bytes;
}

const toml::table* TableReader::table(std::string_view key) {
  const toml::node* n = node(key);
  if (!n) return nullptr;
  if (const auto* t = n->as_table()) return t;
  findings_.error(position_of(n->source()), key_path(key) + ": expected a table, found " +
                                                std::string(type_name(*n)));
  return nullptr;
}

const toml::array* TableReader::array(std::string_view key) {
  const toml::node* n = node(key);
  if (!n) return nullptr;
  if (const auto* a = n->as_array()) return a;
  findings_.error(position_of(n->source()), key_path(key) + ": expected an array, found " +
                                                std::string(type_name(*n)));
  return nullptr;
}

SourcePosition TableReader::position() const noexcept { return position_of(table_.source()); }

SourcePosition TableReader::position(std::string_view key) const noexcept {
  if (const toml::node* n = table_.get(key)) return position_of(n->source());
  return position();
}

void TableReader::finish() {
  for (const auto& [key, value] : table_) {
    if (known_.contains(key.str())) continue;
    findings_.error(position_of(key.source()), "unknown key '" + key_path(key.str()) + "'");
  }
}

}  // namespace uiscsi::target::config::detail
