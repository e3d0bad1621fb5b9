// Text spanning PDUs with the C bit (RFC 7143 6.1, 11.10.2, 11.12.2): every split of the
// text gives the same pairs, and split_text cuts at any size.
#include <catch2/catch.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "iscsi/text.h"
#include "iscsi/text_continuation.h"

using namespace uiscsi::iscsi;

namespace {

std::vector<std::byte> bytes(std::string_view s) {
  std::vector<std::byte> b(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) b[i] = static_cast<std::byte>(s[i]);
  return b;
}

// A login-sized text: every key kind, a long CHAP challenge, a repeated key.
const TextPairs& sample_pairs() {
  static const TextPairs pairs = [] {
    TextPairs p{{"InitiatorName", "iqn.1994-05.com.redhat:client"},
                {"AuthMethod", "CHAP,None"},
                {"HeaderDigest", "CRC32C,None"},
                {"MaxRecvDataSegmentLength", "262144"},
                {"TargetAddress", "10.0.0.1:3260,1"},
                {"TargetAddress", "[fe80::1]:3260,1"},
                {"X-com.example.empty", ""}};
    std::string challenge = "0x";
    for (int i = 0; i < 300; ++i) challenge += "0123456789abcdef"[i % 16];
    p.push_back({"CHAP_C", challenge});
    return p;
  }();
  return pairs;
}

std::vector<std::byte> sample_wire() {
  std::vector<std::byte> wire;
  REQUIRE_FALSE(serialize_text(sample_pairs(), wire));
  return wire;
}

}  // namespace

TEST_CASE("continuation: one segment with C=0", "[text]") {
  const auto wire = sample_wire();
  TextAccumulator acc;
  REQUIRE_FALSE(acc.append(wire, false));
  REQUIRE(acc.complete());
  TextPairs pairs;
  REQUIRE_FALSE(acc.take(pairs));
  CHECK(pairs == sample_pairs());
  CHECK_FALSE(acc.complete());
  CHECK(acc.data().empty());
}

TEST_CASE("continuation: every two-way split gives the same pairs", "[text]") {
  const auto wire = sample_wire();
  const std::span<const std::byte> all(wire);
  for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
    INFO("cut at " << cut);
    TextAccumulator acc;
    REQUIRE_FALSE(acc.append(all.first(cut), true));
    REQUIRE_FALSE(acc.complete());
    REQUIRE_FALSE(acc.append(all.subspan(cut), false));
    TextPairs pairs;
    REQUIRE_FALSE(acc.take(pairs));
    REQUIRE(pairs == sample_pairs());
  }
}

TEST_CASE("continuation: every three-way split gives the same pairs", "[text]") {
  using namespace std::string_view_literals;
  const auto wire = bytes("A=1\0BB=22\0CCC=\0D=4444\0"sv);
  const TextPairs expected{{"A", "1"}, {"BB", "22"}, {"CCC", ""}, {"D", "4444"}};
  const std::span<const std::byte> all(wire);
  for (std::size_t a = 0; a <= wire.size(); ++a) {
    for (std::size_t b = a; b <= wire.size(); ++b) {
      INFO("cuts at " << a << " and " << b);
      TextAccumulator acc;
      REQUIRE_FALSE(acc.append(all.first(a), true));
      REQUIRE_FALSE(acc.append(all.subspan(a, b - a), true));
      REQUIRE_FALSE(acc.append(all.subspan(b), false));
      TextPairs pairs;
      REQUIRE_FALSE(acc.take(pairs));
      REQUIRE(pairs == expected);
    }
  }
}

TEST_CASE("continuation: split_text then accumulate, at every segment size", "[text]") {
  const auto wire = sample_wire();
  for (std::size_t size = 1; size <= wire.size() + 1; ++size) {
    INFO("segment size " << size);
    std::vector<TextSegment> segments;
    REQUIRE_FALSE(split_text(wire, size, segments));
    REQUIRE(segments.size() == (wire.size() + size - 1) / size);
    TextAccumulator acc;
    std::size_t offset = 0;
    for (std::size_t i = 0; i < segments.size(); ++i) {
      const TextSegment& s = segments[i];
      REQUIRE(s.data.data() == wire.data() + offset);  // views, no copies
      REQUIRE(s.data.size() == std::min(size, wire.size() - offset));
      REQUIRE(s.continued == (i + 1 < segments.size()));
      offset += s.data.size();
      REQUIRE_FALSE(acc.append(s.data, s.continued));
    }
    REQUIRE(offset == wire.size());
    TextPairs pairs;
    REQUIRE_FALSE(acc.take(pairs));
    REQUIRE(pairs == sample_pairs());
  }
}

TEST_CASE("continuation: empty text is one empty final segment", "[text]") {
  std::vector<TextSegment> segments;
  REQUIRE_FALSE(split_text({}, 8192, segments));
  REQUIRE(segments.size() == 1);
  CHECK(segments[0].data.empty());
  CHECK_FALSE(segments[0].continued);
  CHECK(split_text({}, 0, segments) == text_errc::invalid_segment_size);
  CHECK(segments.size() == 1);
}

TEST_CASE("continuation: the total length is bounded", "[text]") {
  const std::vector<std::byte> chunk(100, std::byte{'A'});
  TextAccumulator acc(250);
  REQUIRE_FALSE(acc.append(chunk, true));
  REQUIRE_FALSE(acc.append(chunk, true));
  CHECK(acc.append(chunk, true) == text_errc::text_too_long);
  CHECK(acc.data().size() == 200);  // the refused segment was not appended
  REQUIRE_FALSE(acc.append(std::span(chunk).first(50), true));
  CHECK(acc.append(std::span(chunk).first(1), false) == text_errc::text_too_long);
  CHECK(TextAccumulator().append(std::vector<std::byte>(kDefaultMaxTextLength + 1), false) ==
        text_errc::text_too_long);
}

TEST_CASE("continuation: sequencing errors", "[text]") {
  using namespace std::string_view_literals;
  TextAccumulator acc;
  TextPairs pairs;
  REQUIRE_FALSE(acc.append(bytes("A=1\0"sv), true));
  CHECK(acc.take(pairs) == text_errc::text_incomplete);
  CHECK(acc.data().size() == 4);
  REQUIRE_FALSE(acc.append(bytes("B=2\0"sv), false));
  CHECK(acc.append(bytes("C=3\0"sv), false) == text_errc::text_already_complete);
  REQUIRE_FALSE(acc.take(pairs));
  CHECK(pairs == TextPairs{{"A", "1"}, {"B", "2"}});
  // A pair cut off by the last segment is an error, and the accumulator starts over.
  REQUIRE_FALSE(acc.append(bytes("A=1\0B="sv), false));
  CHECK(acc.take(pairs) == text_errc::missing_terminator);
  CHECK(acc.data().empty());
  REQUIRE_FALSE(acc.append(bytes("Z=9\0"sv), false));
  acc.reset();
  CHECK_FALSE(acc.complete());
  CHECK(acc.data().empty());
}
