#include "iscsi/text_continuation.h"

#include <algorithm>

namespace uiscsi::iscsi {

std::error_code TextAccumulator::append(std::span<const std::byte> segment, bool continued) {
  if (complete_) return text_errc::text_already_complete;
  if (segment.size() > max_length_ - data_.size()) return text_errc::text_too_long;
  data_.insert(data_.end(), segment.begin(), segment.end());
  complete_ = !continued;
  return {};
}

std::error_code TextAccumulator::take(TextPairs& out) {
  if (!complete_) return text_errc::text_incomplete;
  const std::error_code ec = parse_text(data_, out);
  reset();
  return ec;
}

void TextAccumulator::reset() noexcept {
  data_.clear();
  complete_ = false;
}

std::error_code split_text(std::span<const std::byte> text, std::size_t max_segment,
                           std::vector<TextSegment>& out) {
  if (max_segment == 0) return text_errc::invalid_segment_size;
  std::size_t pos = 0;
  do {
    const std::size_t size = std::min(max_segment, text.size() - pos);
    pos += size;
    out.push_back({text.subspan(pos - size, size), pos < text.size()});
  } while (pos < text.size());
  return {};
}

}  // namespace uiscsi::iscsi
