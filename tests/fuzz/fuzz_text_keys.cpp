// libFuzzer target: the key=value codec (iscsi/text.h), the continuation accumulator
// (iscsi/text_continuation.h) and the value parsers (iscsi/text_values.h).
//
// Input: one byte that picks a segment size, then the text. Besides "no crash, no leak,
// bounded memory", it checks that
//   - the text fed in segments with the C bit parses exactly like the whole text,
//   - whatever parses serializes, and parses back to the same pairs,
//   - split_text and the accumulator rebuild the serialized bytes,
//   - binary values parsed from the text survive format_hex / format_base64.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_require.h"
#include "iscsi/text.h"
#include "iscsi/text_continuation.h"
#include "iscsi/text_values.h"

using namespace uiscsi::iscsi;

namespace {

void check_values(const TextPairs& pairs) {
  for (const TextPair& p : pairs) {
    std::uint64_t number = 0;
    if (!parse_number(p.value, number)) {
      std::uint64_t again = 0;
      require(!parse_number(format_number(number), again) && again == number);
    }
    bool flag = false;
    (void)parse_boolean(p.value, flag);
    (void)split_list(p.value);
    std::vector<std::byte> binary;
    if (!parse_binary(p.value, binary)) {
      std::vector<std::byte> back;
      require(!parse_binary(format_hex(binary), back) && back == binary);
      require(!parse_binary(format_base64(binary), back) && back == binary);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t segment_size = data[0] % 97 + 1;
  const std::span<const std::byte> text(reinterpret_cast<const std::byte*>(data + 1), size - 1);

  TextPairs whole;
  const std::error_code whole_ec = parse_text(text, whole);

  // The same bytes, as PDUs with the C bit.
  TextAccumulator accumulator;
  std::error_code append_ec;
  for (std::size_t pos = 0; pos < text.size() || pos == 0; pos += segment_size) {
    const std::size_t n = std::min(segment_size, text.size() - pos);
    append_ec = accumulator.append(text.subspan(pos, n), pos + n < text.size());
    if (append_ec || pos + n >= text.size()) break;
  }
  if (!append_ec) {
    TextPairs joined;
    const std::error_code joined_ec = accumulator.take(joined);
    require(joined_ec == whole_ec);
    require(joined == whole);
  } else {
    require(append_ec == text_errc::text_too_long && text.size() > kDefaultMaxTextLength);
  }
  if (whole_ec) return 0;

  std::vector<std::byte> wire;
  require(!serialize_text(whole, wire));
  require(wire.size() == serialized_size(whole));
  TextPairs back;
  require(!parse_text(wire, back));
  require(back == whole);

  std::vector<TextSegment> segments;
  require(!split_text(wire, segment_size, segments));
  std::vector<std::byte> rebuilt;
  for (const TextSegment& s : segments) rebuilt.insert(rebuilt.end(), s.data.begin(), s.data.end());
  require(rebuilt == wire);

  check_values(whole);
  return 0;
}
