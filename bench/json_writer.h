// A small streaming JSON writer: enough for benchmark reports, with correct string
// escaping, commas and indentation handled for the caller.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string_view>
#include <vector>

namespace uiscsi::bench {

class JsonWriter {
 public:
  // Multi-line puts each member on its own indented line; single-line keeps a small
  // container (a pair of numbers) on one line, along with anything nested in it.
  enum class Layout { multi_line, single_line };

  // Writes to `out`, which must outlive the writer.
  explicit JsonWriter(std::ostream& out) : out_(out) {}

  void begin_object(Layout layout = Layout::multi_line);
  void end_object();
  void begin_array(Layout layout = Layout::multi_line);
  void end_array();
  // Inside an object, the name of the next value.
  void key(std::string_view name);

  void value(std::string_view s);
  void value(const char* s) { value(std::string_view(s)); }
  void value(double d);  // NaN and infinities become null: JSON has no spelling for them
  void value(std::optional<double> d);
  void value(std::uint64_t n);
  void value(bool b);
  void null();

 private:
  struct Open {
    bool has_member = false;
    bool single_line = false;
  };

  void open(char bracket, Layout layout);
  void close(char bracket);
  void before_value();
  void newline();
  void write_string(std::string_view s);

  std::ostream& out_;
  std::vector<Open> open_;  // the objects and arrays being written, innermost last
  bool after_key_ = false;
};

}  // namespace uiscsi::bench
