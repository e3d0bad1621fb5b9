#include "bench/json_writer.h"

#include <charconv>
#include <cmath>

namespace uiscsi::bench {

void JsonWriter::newline() {
  out_ << '\n';
  for (std::size_t i = 0; i < open_.size(); ++i) out_ << "  ";
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (open_.empty()) return;
  Open& container = open_.back();
  if (container.has_member) out_ << (container.single_line ? ", " : ",");
  if (!container.single_line) newline();
  container.has_member = true;
}

void JsonWriter::open(char bracket, Layout layout) {
  before_value();
  out_ << bracket;
  const bool inside_single_line = !open_.empty() && open_.back().single_line;
  open_.push_back({false, inside_single_line || layout == Layout::single_line});
}

void JsonWriter::close(char bracket) {
  const Open container = open_.back();
  open_.pop_back();
  if (container.has_member && !container.single_line) newline();
  out_ << bracket;
  if (open_.empty()) out_ << '\n';
}

void JsonWriter::begin_object(Layout layout) { open('{', layout); }
void JsonWriter::end_object() { close('}'); }
void JsonWriter::begin_array(Layout layout) { open('[', layout); }
void JsonWriter::end_array() { close(']'); }

void JsonWriter::key(std::string_view name) {
  before_value();
  write_string(name);
  out_ << ": ";
  after_key_ = true;
}

void JsonWriter::value(std::string_view s) {
  before_value();
  write_string(s);
}

void JsonWriter::value(double d) {
  if (!std::isfinite(d)) {
    null();
    return;
  }
  before_value();
  char buf[32];
  // Six significant digits: well past what a timing measurement can resolve.
  const auto result = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::general, 6);
  out_.write(buf, result.ptr - buf);
}

void JsonWriter::value(std::optional<double> d) {
  if (d) {
    value(*d);
  } else {
    null();
  }
}

void JsonWriter::value(std::uint64_t n) {
  before_value();
  out_ << n;
}

void JsonWriter::value(bool b) {
  before_value();
  out_ << (b ? "true" : "false");
}

void JsonWriter::null() {
  before_value();
  out_ << "null";
}

void JsonWriter::write_string(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out_ << '"';
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out_ << "\\\""; break;
      case '\\': out_ << "\\\\"; break;
      case '\n': out_ << "\\n"; break;
      case '\r': out_ << "\\r"; break;
      case '\t': out_ << "\\t"; break;
      default:
        if (u < 0x20) {
          out_ << "\\u00" << kHex[u >> 4] << kHex[u & 0xF];
        } else {
          out_ << c;
        }
    }
  }
  out_ << '"';
}

}  // namespace uiscsi::bench
