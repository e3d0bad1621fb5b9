// Text that spans PDUs (RFC 7143 6.1, 11.10.2, 11.12.2): a sender that has more key=value
// text than the receiver's MaxRecvDataSegmentLength sets the C bit on every PDU but the
// last; the data segments of such a run form one logical text data segment (LTDS). The
// cut may fall anywhere, in the middle of a key or a value.
//
// Receive side: TextAccumulator joins the segments (bounded) and parses the LTDS once the
// C=0 segment has arrived. Send side: split_text cuts a serialized LTDS into segments.
// The PDU exchange itself (the peer answers each C=1 PDU with an empty one) is the login
// and text layers' job.
#pragma once

#include <cstddef>
#include <span>
#include <system_error>
#include <vector>

#include "iscsi/text.h"

namespace uiscsi::iscsi {

// Every implementation must accept 8192 bytes of key=value text in one negotiation, and
// 64 KiB when it offers authentication with long items (RFC 7143 6.1).
inline constexpr std::size_t kDefaultMaxTextLength = 64 * 1024;

class TextAccumulator {
 public:
  explicit TextAccumulator(std::size_t max_length = kDefaultMaxTextLength) noexcept
      : max_length_(max_length) {}

  // Appends the data segment of one Login/Text PDU; `continued` is its C bit. The bytes are
  // copied. Errors: text_too_long when the LTDS would exceed max_length (nothing is
  // appended); text_already_complete when the previous segment had C=0 and neither take()
  // nor reset() followed.
  std::error_code append(std::span<const std::byte> segment, bool continued);

  // True once a segment with C=0 has been appended.
  bool complete() const noexcept { return complete_; }
  // The bytes collected so far; valid until the next append(), take() or reset().
  std::span<const std::byte> data() const noexcept { return data_; }

  // Parses the complete LTDS, appends its pairs to `out` and resets the accumulator for the
  // next one; the accumulator is reset even when parsing fails. Before the final segment it
  // returns text_incomplete and changes nothing.
  std::error_code take(TextPairs& out);

  void reset() noexcept;

 private:
  std::size_t max_length_;
  std::vector<std::byte> data_;
  bool complete_ = false;
};

// One PDU's worth of an outgoing LTDS: a view into the text given to split_text, and the C
// bit for its PDU.
struct TextSegment {
  std::span<const std::byte> data;
  bool continued;
};

// Cuts `text` into segments of at most `max_segment` bytes (the peer's
// MaxRecvDataSegmentLength) and appends them to `out`, in order. Every segment but the last
// has continued = true. Empty text gives one empty final segment. Errors:
// invalid_segment_size for max_segment 0. The segments view `text`: keep it alive.
std::error_code split_text(std::span<const std::byte> text, std::size_t max_segment,
                           std::vector<TextSegment>& out);

}  // namespace uiscsi::iscsi
