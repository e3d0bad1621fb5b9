// The key=value codec (RFC 7143 6.1): parse_text, serialize_text, key names and limits.
#include <catch2/catch.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "iscsi/keys.h"
#include "iscsi/text.h"

using namespace uiscsi::iscsi;

namespace {

std::vector<std::byte> bytes(std::string_view s) {
  std::vector<std::byte> b(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) b[i] = static_cast<std::byte>(s[i]);
  return b;
}

std::string as_string(const std::vector<std::byte>& b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace

TEST_CASE("text: parses pairs in wire order", "[text]") {
  using namespace std::string_view_literals;
  const auto wire = bytes(
      "InitiatorName=iqn.1994-05.com.redhat:x\0SessionType=Normal\0"
      "AuthMethod=CHAP,None\0"sv);
  TextPairs pairs;
  REQUIRE_FALSE(parse_text(wire, pairs));
  REQUIRE(pairs == TextPairs{{"InitiatorName", "iqn.1994-05.com.redhat:x"},
                             {"SessionType", "Normal"},
                             {"AuthMethod", "CHAP,None"}});
}

TEST_CASE("text: the value is everything after the first '='", "[text]") {
  using namespace std::string_view_literals;
  TextPairs pairs;
  REQUIRE_FALSE(parse_text(bytes("X-com.example.k=a=b=\0Empty=\0"sv), pairs));
  CHECK(pairs == TextPairs{{"X-com.example.k", "a=b="}, {"Empty", ""}});
}

TEST_CASE("text: parse appends and keeps repeated keys in order", "[text]") {
  using namespace std::string_view_literals;
  // A SendTargets response (RFC 7143 Appendix C): several targets, several addresses each.
  const auto wire = bytes(
      "TargetName=iqn.a\0TargetAddress=10.0.0.1:3260,1\0"
      "TargetAddress=[fe80::1]:3260,2\0TargetName=iqn.b\0"
      "TargetAddress=10.0.0.2,1\0"sv);
  TextPairs pairs{{"Existing", "1"}};
  REQUIRE_FALSE(parse_text(wire, pairs));
  REQUIRE(pairs.size() == 6);
  CHECK(pairs[0] == TextPair{"Existing", "1"});
  CHECK(pairs[1] == TextPair{"TargetName", "iqn.a"});
  CHECK(pairs[3] == TextPair{"TargetAddress", "[fe80::1]:3260,2"});
  CHECK(pairs[5] == TextPair{"TargetAddress", "10.0.0.2,1"});
}

TEST_CASE("text: empty input and NUL padding give no pairs", "[text]") {
  using namespace std::string_view_literals;
  TextPairs pairs;
  CHECK_FALSE(parse_text({}, pairs));
  CHECK_FALSE(parse_text(bytes("\0\0\0\0"sv), pairs));
  CHECK(pairs.empty());
  CHECK_FALSE(parse_text(bytes("A=1\0\0\0\0"sv), pairs));
  CHECK(pairs == TextPairs{{"A", "1"}});
}

TEST_CASE("text: malformed text is refused and leaves the output alone", "[text]") {
  using namespace std::string_view_literals;
  struct Case {
    std::string_view wire;
    text_errc error;
  };
  const Case cases[] = {
      {"A=1"sv, text_errc::missing_terminator},      {"A=1\0B=2"sv, text_errc::missing_terminator},
      {"NoEquals\0"sv, text_errc::missing_equals},   {"=value\0"sv, text_errc::invalid_key},
      {".Dot=1\0"sv, text_errc::invalid_key},        {"1Digit=1\0"sv, text_errc::invalid_key},
      {"Bad Key=1\0"sv, text_errc::invalid_key},     {"Bad/Key=1\0"sv, text_errc::invalid_key},
      {"A#B=1\0"sv, text_errc::invalid_key},         {"X-a#b=1\0"sv, text_errc::invalid_key},
      {"Key\xc3\xa9=1\0"sv, text_errc::invalid_key},
  };
  for (const Case& c : cases) {
    INFO(std::string(c.wire));
    TextPairs pairs{{"Keep", "me"}};
    CHECK(parse_text(bytes(c.wire), pairs) == c.error);
    CHECK(pairs == TextPairs{{"Keep", "me"}});
  }
}

TEST_CASE("text: key name characters and length (RFC 7143 6.1)", "[text]") {
  CHECK(valid_key_name("A"));
  CHECK(valid_key_name("X-com.example.vendor+key@v_1"));
  CHECK(valid_key_name("X#NodeArchitecture"));
  CHECK(valid_key_name("iSCSIProtocolLevel"));  // RFC 7143 13.24: a small letter first
  CHECK_FALSE(valid_key_name(""));
  CHECK_FALSE(valid_key_name("_a"));
  CHECK_FALSE(valid_key_name("-a"));
  CHECK_FALSE(valid_key_name("Y#Foo"));
  CHECK_FALSE(valid_key_name("X##"));
  CHECK(valid_key_name(std::string(63, 'K')));
  CHECK_FALSE(valid_key_name(std::string(64, 'K')));
}

TEST_CASE("text: value length limits per key", "[text]") {
  const auto pair = [](std::string_view key, std::size_t value_size) {
    std::string wire(key);
    wire += '=';
    wire.append(value_size, 'v');
    wire += '\0';
    return bytes(wire);
  };
  TextPairs pairs;
  // Keys of the table: simple values of at most 255 bytes.
  CHECK_FALSE(parse_text(pair("TargetAlias", kMaxSimpleValueLength), pairs));
  CHECK(parse_text(pair("TargetAlias", kMaxSimpleValueLength + 1), pairs) ==
        text_errc::value_too_long);
  // CHAP binary values and unknown keys: up to 8192.
  CHECK_FALSE(parse_text(pair("CHAP_C", kMaxLargeValueLength), pairs));
  CHECK(parse_text(pair("CHAP_R", kMaxLargeValueLength + 1), pairs) == text_errc::value_too_long);
  CHECK_FALSE(parse_text(pair("X-vendor.blob", kMaxLargeValueLength), pairs));
}

TEST_CASE("text: serialize writes key=value NUL and round-trips", "[text]") {
  const TextPairs pairs{{"HeaderDigest", "CRC32C,None"},
                        {"MaxRecvDataSegmentLength", "262144"},
                        {"TargetAlias", ""},
                        {"X-a", "b=c"}};
  std::vector<std::byte> wire{std::byte{0x55}};
  REQUIRE_FALSE(serialize_text(pairs, wire));
  REQUIRE(wire.size() == 1 + serialized_size(pairs));
  using namespace std::string_view_literals;
  CHECK(as_string(wire).substr(1) ==
        "HeaderDigest=CRC32C,None\0MaxRecvDataSegmentLength=262144\0TargetAlias=\0X-a=b=c\0"sv);
  TextPairs back;
  REQUIRE_FALSE(parse_text(std::span(wire).subspan(1), back));
  CHECK(back == pairs);
}

TEST_CASE("text: serialize refuses what parse would refuse", "[text]") {
  std::vector<std::byte> wire{std::byte{1}, std::byte{2}};
  const auto before = wire;
  CHECK(serialize_text(TextPairs{{"A", "1"}, {"Bad key", "2"}}, wire) == text_errc::invalid_key);
  CHECK(serialize_text(TextPairs{{"A", std::string("x\0y", 3)}}, wire) ==
        text_errc::value_contains_nul);
  CHECK(serialize_text(TextPairs{{"TargetAlias", std::string(256, 'a')}}, wire) ==
        text_errc::value_too_long);
  CHECK(wire == before);
}

TEST_CASE("text: find_pair returns the first match", "[text]") {
  const TextPairs pairs{{"A", "1"}, {"B", "2"}, {"A", "3"}};
  REQUIRE(find_pair(pairs, "A") != nullptr);
  CHECK(find_pair(pairs, "A")->value == "1");
  CHECK(find_pair(pairs, "B")->value == "2");
  CHECK(find_pair(pairs, "C") == nullptr);
}

TEST_CASE("text: error category names the error", "[text]") {
  const std::error_code ec = text_errc::missing_terminator;
  CHECK(ec.category() == text_category());
  CHECK(std::string(ec.category().name()) == "iscsi.text");
  CHECK(ec.message() == "key=value pair not terminated by NUL");
}
