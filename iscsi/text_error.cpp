#include "iscsi/text_error.h"

#include <string>

namespace uiscsi::iscsi {
namespace {

class TextCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "iscsi.text"; }

  std::string message(int ev) const override {
    switch (static_cast<text_errc>(ev)) {
      case text_errc::missing_terminator: return "key=value pair not terminated by NUL";
      case text_errc::missing_equals: return "key=value pair without '='";
      case text_errc::invalid_key: return "invalid key name";
      case text_errc::value_too_long: return "value too long for its key";
      case text_errc::value_contains_nul: return "value contains a NUL byte";
      case text_errc::text_too_long: return "text data longer than the limit";
      case text_errc::text_already_complete: return "text segment after the final one";
      case text_errc::text_incomplete: return "text taken before its final segment";
      case text_errc::invalid_segment_size: return "text segment size must be at least 1";
      case text_errc::invalid_number: return "invalid numerical value";
      case text_errc::number_out_of_range: return "numerical value of 2^64 or more";
      case text_errc::invalid_binary: return "invalid binary value";
      case text_errc::invalid_boolean: return "boolean value is not Yes or No";
    }
    return "unknown iscsi.text error";
  }
};

}  // namespace

const std::error_category& text_category() noexcept {
  static const TextCategory category;
  return category;
}

std::error_code make_error_code(text_errc e) noexcept {
  return {static_cast<int>(e), text_category()};
}

}  // namespace uiscsi::iscsi
