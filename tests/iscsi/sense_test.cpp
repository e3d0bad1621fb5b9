#include <catch2/catch.hpp>

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "iscsi/scsi_data_error.h"
#include "iscsi/scsi_status.h"
#include "iscsi/sense.h"

using namespace uiscsi::iscsi::scsi;

namespace {

std::vector<std::byte> bytes(std::initializer_list<int> values) {
  std::vector<std::byte> out;
  for (int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

SenseData miscompare_at(std::uint64_t lba) {
  SenseData s;
  s.code = {SenseKey::miscompare, asc::miscompare_during_verify};
  s.information = lba;
  return s;
}

}  // namespace

TEST_CASE("sense: fixed format layout byte by byte", "[sense]") {
  SenseData s;
  s.code = {SenseKey::illegal_request, asc::invalid_field_in_cdb};
  s.information = 0x01020304;
  s.command_specific = 0x0a0b0c0d;
  s.sense_key_specific = make_field_pointer(true, 2, 5);
  s.ili = true;
  const auto raw = encode_sense(s, SenseFormat::fixed);
  CHECK(raw == bytes({0xf0, 0x00, 0x25, 0x01, 0x02, 0x03, 0x04, 0x0a, 0x0a, 0x0b, 0x0c, 0x0d, 0x24,
                      0x00, 0x00, 0xcd, 0x00, 0x02}));
}

TEST_CASE("sense: descriptor format layout byte by byte", "[sense]") {
  SenseData s = miscompare_at(0x1122334455667788);
  s.deferred = true;
  const auto raw = encode_sense(s, SenseFormat::descriptor);
  CHECK(raw == bytes({0x73, 0x0e, 0x1d, 0x00, 0, 0, 0, 0x0c,  // header, additional length 12
                      0x00, 0x0a, 0x80, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88}));
}

TEST_CASE("sense: build -> parse round trip in both formats", "[sense]") {
  std::vector<SenseData> cases;
  cases.push_back(miscompare_at(7));
  {
    SenseData s;
    s.code = {SenseKey::unit_attention, asc::power_on_reset_or_bus_device_reset};
    cases.push_back(s);
  }
  {
    SenseData s;
    s.code = {SenseKey::illegal_request, asc::invalid_field_in_parameter_list};
    s.sense_key_specific = make_field_pointer(false, 0x1234);
    s.command_specific = 99;
    s.deferred = true;
    cases.push_back(s);
  }
  {
    SenseData s;
    s.code = {SenseKey::medium_error, asc::unrecovered_read_error};
    s.information = 0xfffffffe;
    s.ili = true;
    cases.push_back(s);
  }
  for (const SenseFormat format : {SenseFormat::fixed, SenseFormat::descriptor}) {
    for (const SenseData& s : cases) {
      SenseData parsed;
      SenseFormat found{};
      REQUIRE_FALSE(parse_sense(encode_sense(s, format), parsed, &found));
      CHECK(found == format);
      CHECK(parsed == s);
    }
  }
}

TEST_CASE("sense: a 64-bit LBA needs descriptor format", "[sense]") {
  const SenseData s = miscompare_at(0x100000000);
  SenseData parsed;
  REQUIRE_FALSE(parse_sense(encode_sense(s, SenseFormat::descriptor), parsed));
  CHECK(parsed.information == 0x100000000u);
  // Fixed format cannot carry it: VALID is cleared rather than sending a truncated LBA.
  const auto fixed = encode_sense(s, SenseFormat::fixed);
  CHECK((std::to_integer<int>(fixed[0]) & 0x80) == 0);
  REQUIRE_FALSE(parse_sense(fixed, parsed));
  CHECK_FALSE(parsed.information.has_value());
  CHECK(parsed.code == s.code);
}

TEST_CASE("sense: field pointer encoding (SPC-4 4.5.2.4.2)", "[sense]") {
  CHECK(make_field_pointer(true, 1, 3) == SenseKeySpecific{0xcb, 0x00, 0x01});
  CHECK(make_field_pointer(false, 0x0102) == SenseKeySpecific{0x80, 0x01, 0x02});
}

TEST_CASE("sense: parse real-world fixed sense (LIO, 96-byte buffer)", "[sense]") {
  // NOT READY / MEDIUM NOT PRESENT as a target pads it into a larger allocation.
  std::vector<std::byte> raw = bytes({0x70, 0, 0x02, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x3a, 0x00, 0, 0, 0, 0});
  raw.resize(96);
  SenseData parsed;
  REQUIRE_FALSE(parse_sense(raw, parsed));
  CHECK(parsed.code == SenseCode{SenseKey::not_ready, asc::medium_not_present});
  CHECK_FALSE(parsed.information);
  CHECK_FALSE(parsed.sense_key_specific);
}

TEST_CASE("sense: every truncation either parses a prefix or fails cleanly", "[sense]") {
  SenseData s = miscompare_at(0xabcdef);
  s.command_specific = 5;
  s.sense_key_specific = make_field_pointer(true, 9);
  s.ili = true;
  for (const SenseFormat format : {SenseFormat::fixed, SenseFormat::descriptor}) {
    const auto raw = encode_sense(s, format);
    const std::size_t minimum = format == SenseFormat::fixed ? 14 : 8;
    for (std::size_t n = 0; n <= raw.size(); ++n) {
      INFO("format " << static_cast<int>(format) << " length " << n);
      SenseData parsed;
      const std::error_code ec = parse_sense(std::span(raw).first(n), parsed);
      if (n < minimum) {
        CHECK(ec == data_errc::truncated);
        continue;
      }
      REQUIRE_FALSE(ec);
      CHECK(parsed.code == s.code);
      // Whatever is reported was really sent; only complete fields appear.
      if (parsed.information) CHECK(*parsed.information == *s.information);
      if (parsed.command_specific) CHECK(*parsed.command_specific == *s.command_specific);
      if (parsed.sense_key_specific) CHECK(*parsed.sense_key_specific == *s.sense_key_specific);
      if (n == raw.size()) CHECK(parsed == s);
    }
  }
}

TEST_CASE("sense: malformed input", "[sense]") {
  SenseData parsed;
  CHECK(parse_sense(bytes({0x7f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}), parsed) == data_errc::unexpected_format);
  CHECK(parse_sense(bytes({0x00}), parsed) == data_errc::unexpected_format);
  // Additional sense length too small to reach the ASC/ASCQ.
  CHECK(parse_sense(bytes({0x70, 0, 5, 0, 0, 0, 0, 0x04, 0, 0, 0, 0, 0x24, 0}), parsed) == data_errc::bad_length);
  // Information descriptor too short for its type.
  CHECK(parse_sense(bytes({0x72, 5, 0x24, 0, 0, 0, 0, 4, 0x00, 0x02, 0x80, 0}), parsed) == data_errc::bad_length);
  // Unknown descriptor types are skipped, the rest still parses.
  REQUIRE_FALSE(parse_sense(bytes({0x72, 5, 0x24, 0, 0, 0, 0, 8, 0x80, 0x02, 0xaa, 0xbb, 0x05, 0x02, 0, 0x20}),
                            parsed));
  CHECK(parsed.ili);
  CHECK(parsed.code == SenseCode{SenseKey::illegal_request, asc::invalid_field_in_cdb});
}

TEST_CASE("sense: iSCSI SenseLength wrapping (RFC 7143 11.4.7.2)", "[sense]") {
  const SenseData s = miscompare_at(42);
  const auto segment = encode_sense_segment(s, SenseFormat::fixed);
  REQUIRE(segment.size() == 2 + kFixedSenseLength);
  CHECK(segment[0] == std::byte{0});
  CHECK(segment[1] == std::byte{18});

  std::span<const std::byte> sense, rest;
  REQUIRE_FALSE(split_sense_segment(segment, sense, rest));
  CHECK(sense.data() == segment.data() + 2);  // a view, not a copy
  CHECK(rest.empty());
  SenseData parsed;
  REQUIRE_FALSE(parse_sense(sense, parsed));
  CHECK(parsed == s);

  SECTION("response data after the sense stays separate") {
    auto with_response = segment;
    with_response.push_back(std::byte{0xee});
    REQUIRE_FALSE(split_sense_segment(with_response, sense, rest));
    CHECK(sense.size() == kFixedSenseLength);
    REQUIRE(rest.size() == 1);
    CHECK(rest[0] == std::byte{0xee});
  }
  SECTION("every cut of the segment is either complete or truncated") {
    for (std::size_t n = 0; n < segment.size(); ++n) {
      const std::error_code ec = split_sense_segment(std::span(segment).first(n), sense, rest);
      if (n == 0) {
        CHECK_FALSE(ec);
        CHECK(sense.empty());
      } else {
        CHECK(ec == data_errc::truncated);
      }
    }
  }
  SECTION("raw sense longer than SPC allows is cut at 252 bytes") {
    const std::vector<std::byte> big(300, std::byte{0x70});
    const auto wrapped = encode_sense_segment(big);
    CHECK(wrapped.size() == 2 + kMaxSenseLength);
    CHECK(wrapped[1] == std::byte{252});
  }
}

TEST_CASE("sense: CHECK CONDITION as an error_code for the initiator", "[sense]") {
  const std::error_code ec = check_condition_error(encode_sense_segment(miscompare_at(3), SenseFormat::descriptor));
  CHECK(ec.category() == sense_category());
  CHECK(ec.message() == "MISCOMPARE: MISCOMPARE DURING VERIFY OPERATION (e/1dh/00h)");
  CHECK(check_condition_error({}) == Status::check_condition);
  CHECK(check_condition_error(bytes({0, 3, 0x70, 0, 5})) == data_errc::truncated);
  CHECK(check_condition_error(bytes({0, 14, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})) ==
        data_errc::unexpected_format);
  SenseData nothing;  // NO SENSE 00/00 must still not look like success
  CHECK(check_condition_error(encode_sense_segment(nothing, SenseFormat::fixed)) == Status::check_condition);
}
