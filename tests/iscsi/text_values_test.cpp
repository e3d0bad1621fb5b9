// Value encodings of RFC 7143 6.1: numerical-value, binary-value, boolean-value, lists.
#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "iscsi/text_values.h"

using namespace uiscsi::iscsi;

namespace {

std::vector<std::byte> bytes(std::initializer_list<int> values) {
  std::vector<std::byte> b;
  for (int v : values) b.push_back(static_cast<std::byte>(v));
  return b;
}

}  // namespace

TEST_CASE("text values: numbers in decimal, hex and base64", "[text]") {
  struct Case {
    std::string_view text;
    std::uint64_t value;
  };
  const Case cases[] = {
      {"0", 0},
      {"8192", 8192},
      {"007", 7},  // leading zeros tolerated
      {"18446744073709551615", 18446744073709551615u},
      {"0x0", 0},
      {"0x2000", 8192},
      {"0X2000", 8192},
      {"0xffffFFFFffffFFFF", 18446744073709551615u},
      {"0x00000000000000000001", 1},  // leading zeros do not count towards 64 bits
      {"0bAAAgAA==", 8192},           // 00 00 20 00
      {"0BAAAgAA==", 8192},
      {"0bIAA=", 8192},  // 20 00
      {"0bIAA", 8192},   // the same, unpadded
      {"0b//////////8=", 18446744073709551615u},
      {"0bAAAAAAAAAAAB", 1},  // 9 bytes, leading zero bytes
  };
  for (const Case& c : cases) {
    INFO(std::string(c.text));
    std::uint64_t v = 99;
    REQUIRE_FALSE(parse_number(c.text, v));
    CHECK(v == c.value);
  }
}

TEST_CASE("text values: malformed and oversized numbers", "[text]") {
  struct Case {
    std::string_view text;
    text_errc error;
  };
  const Case cases[] = {
      {"", text_errc::invalid_number},
      {"-1", text_errc::invalid_number},
      {"+1", text_errc::invalid_number},
      {" 1", text_errc::invalid_number},
      {"1 ", text_errc::invalid_number},
      {"12a", text_errc::invalid_number},
      {"0x", text_errc::invalid_number},
      {"0xg", text_errc::invalid_number},
      {"0b", text_errc::invalid_number},
      {"0b====", text_errc::invalid_number},
      {"0bA", text_errc::invalid_number},      // 6 bits: no whole byte
      {"0bAA=A", text_errc::invalid_number},   // '=' in the middle
      {"0bAA===", text_errc::invalid_number},  // three pad characters
      {"0bA A=", text_errc::invalid_number},
      {"18446744073709551616", text_errc::number_out_of_range},
      {"99999999999999999999999", text_errc::number_out_of_range},
      {"99999999999999999999999x", text_errc::invalid_number},
      {"0x10000000000000000", text_errc::number_out_of_range},
      {"0bAQAAAAAAAAAA", text_errc::number_out_of_range},  // 01 00..00, 9 bytes
  };
  for (const Case& c : cases) {
    INFO(std::string(c.text));
    std::uint64_t v = 99;
    CHECK(parse_number(c.text, v) == c.error);
    CHECK(v == 99);
  }
}

TEST_CASE("text values: format_number is decimal", "[text]") {
  CHECK(format_number(0) == "0");
  CHECK(format_number(262144) == "262144");
  CHECK(format_number(18446744073709551615u) == "18446744073709551615");
}

TEST_CASE("text values: binary values have an implicit length", "[text]") {
  std::vector<std::byte> out;
  REQUIRE_FALSE(parse_binary("0x0a0B", out));
  CHECK(out == bytes({0x0a, 0x0b}));
  REQUIRE_FALSE(parse_binary("0xabc", out));  // odd: the first digit stands alone
  CHECK(out == bytes({0x0a, 0xbc}));
  REQUIRE_FALSE(parse_binary("0x0000", out));  // leading zeros are bytes too
  CHECK(out == bytes({0, 0}));
  REQUIRE_FALSE(parse_binary("0bAQID", out));
  CHECK(out == bytes({1, 2, 3}));
  REQUIRE_FALSE(parse_binary("0bAQIDBA==", out));
  CHECK(out == bytes({1, 2, 3, 4}));
  REQUIRE_FALSE(parse_binary("0bAQIDBA", out));
  CHECK(out == bytes({1, 2, 3, 4}));
  REQUIRE_FALSE(parse_binary("0bAQIDBAU=", out));
  CHECK(out == bytes({1, 2, 3, 4, 5}));
}

TEST_CASE("text values: malformed binary values leave the output alone", "[text]") {
  for (std::string_view text :
       {"", "1234", "0x", "0xzz", "0x1g", "0b", "0b!!!!", "0bA", "0bAQ=ID", "0bAQIDBA=", "x0b"}) {
    INFO(std::string(text));
    std::vector<std::byte> out = bytes({7});
    CHECK(parse_binary(text, out) == text_errc::invalid_binary);
    CHECK(out == bytes({7}));
  }
}

TEST_CASE("text values: hex and base64 round trips at every length", "[text]") {
  std::vector<std::byte> data;
  for (int n = 0; n <= 70; ++n) {
    INFO("length " << n);
    std::vector<std::byte> back;
    if (n > 0) {
      REQUIRE_FALSE(parse_binary(format_hex(data), back));
      CHECK(back == data);
      REQUIRE_FALSE(parse_binary(format_base64(data), back));
      CHECK(back == data);
    }
    data.push_back(static_cast<std::byte>(n * 37 + 11));
  }
  CHECK(format_hex(bytes({0xde, 0xad, 0x01})) == "0xdead01");
  CHECK(format_base64(bytes({1, 2, 3, 4})) == "0bAQIDBA==");
  // An empty span: a constant needs a digit, so it is one zero byte.
  std::vector<std::byte> back;
  REQUIRE_FALSE(parse_binary(format_hex({}), back));
  CHECK(back == bytes({0}));
  REQUIRE_FALSE(parse_binary(format_base64({}), back));
  CHECK(back == bytes({0}));
}

TEST_CASE("text values: a CHAP-sized challenge round-trips", "[text]") {
  std::vector<std::byte> challenge(1024);
  for (std::size_t i = 0; i < challenge.size(); ++i) challenge[i] = static_cast<std::byte>(i * 7);
  std::vector<std::byte> back;
  REQUIRE_FALSE(parse_binary(format_hex(challenge), back));
  CHECK(back == challenge);
  REQUIRE_FALSE(parse_binary(format_base64(challenge), back));
  CHECK(back == challenge);
}

TEST_CASE("text values: booleans are Yes and No, case-sensitive", "[text]") {
  bool v = false;
  REQUIRE_FALSE(parse_boolean("Yes", v));
  CHECK(v);
  REQUIRE_FALSE(parse_boolean("No", v));
  CHECK_FALSE(v);
  for (std::string_view bad : {"yes", "YES", "no", "", "1", "True", "Yes "}) {
    CHECK(parse_boolean(bad, v) == text_errc::invalid_boolean);
  }
  CHECK(format_boolean(true) == "Yes");
  CHECK(format_boolean(false) == "No");
}

TEST_CASE("text values: lists keep order and drop empty items", "[text]") {
  using V = std::vector<std::string_view>;
  CHECK(split_list("CRC32C,None") == V{"CRC32C", "None"});
  CHECK(split_list("None") == V{"None"});
  CHECK(split_list("") == V{});
  CHECK(split_list(",a,,b,") == V{"a", "b"});
}
