#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "iscsi/chap_initiator.h"
#include "iscsi/chap_target.h"
#include "iscsi/text_values.h"

using namespace uiscsi::iscsi;

namespace {

const std::string kName = "iqn.1994-05.com.example:host1";
const std::string k16 = "0x00112233445566778899aabbccddeeff";

ChapTargetConfig config(bool mutual = true) {
  ChapTargetConfig c;
  c.algorithms = {ChapAlgorithm::sha256};
  c.initiator = ChapCredentials::from_text(kName, "initiator-secret-16");
  if (mutual) c.target = ChapCredentials::from_text("iqn.2024-01.org.uiscsi:disk", "target-secret-0123");
  return c;
}

// A target that has sent its challenge and waits for CHAP_N / CHAP_R.
ChapTarget challenged() {
  ChapTarget t(config());
  TextPairs out;
  REQUIRE_FALSE(t.step(TextPairs{{"CHAP_A", "7"}}, out));
  return t;
}

std::string good_response_length() { return format_hex(std::vector<std::byte>(32)); }

}  // namespace

TEST_CASE("chap errors: target step 1 malformed input", "[chap]") {
  TextPairs out;
  struct Case {
    TextPairs in;
    chap_errc expected;
  };
  const Case cases[] = {
      {{}, chap_errc::missing_key},
      {{{"AuthMethod", "CHAP"}}, chap_errc::missing_key},
      {{{"CHAP_A", "7"}, {"CHAP_A", "7"}}, chap_errc::duplicate_key},
      {{{"CHAP_A", "7"}, {"CHAP_N", kName}}, chap_errc::unexpected_key},
      {{{"CHAP_A", "7"}, {"CHAP_X", "1"}}, chap_errc::unexpected_key},
      {{{"CHAP_R", "0x00"}}, chap_errc::unexpected_key},
      {{{"CHAP_A", ""}}, chap_errc::unsupported_algorithm},
      {{{"CHAP_A", ",,,"}}, chap_errc::unsupported_algorithm},
  };
  for (const Case& c : cases) {
    ChapTarget t(config());
    INFO("case " << (&c - cases));
    CHECK(t.step(c.in, out) == c.expected);
    CHECK(out.empty());
    CHECK(t.error() == c.expected);
  }
}

TEST_CASE("chap errors: target step 2 malformed input", "[chap]") {
  const std::string r = good_response_length();
  struct Case {
    TextPairs in;
    chap_errc expected;
  };
  const std::string too_long = format_hex(std::vector<std::byte>(1025, std::byte{1}));
  const Case cases[] = {
      {{{"CHAP_N", kName}}, chap_errc::missing_key},
      {{{"CHAP_R", r}}, chap_errc::missing_key},
      {{{"CHAP_N", kName}, {"CHAP_R", r}, {"CHAP_I", "1"}}, chap_errc::missing_key},
      {{{"CHAP_N", kName}, {"CHAP_R", r}, {"CHAP_C", k16}}, chap_errc::missing_key},
      {{{"CHAP_N", kName}, {"CHAP_R", r}, {"CHAP_A", "7"}}, chap_errc::unexpected_key},
      {{{"CHAP_N", kName}, {"CHAP_N", kName}, {"CHAP_R", r}}, chap_errc::duplicate_key},
      {{{"CHAP_N", kName}, {"CHAP_R", "deadbeef"}}, chap_errc::malformed_value},
      {{{"CHAP_N", kName}, {"CHAP_R", "0xzz"}}, chap_errc::malformed_value},
      {{{"CHAP_N", kName}, {"CHAP_R", "0b!!!!"}}, chap_errc::malformed_value},
      {{{"CHAP_N", kName}, {"CHAP_R", "0x00"}}, chap_errc::bad_response_length},
      {{{"CHAP_N", kName}, {"CHAP_R", r + "00"}}, chap_errc::bad_response_length},
      {{{"CHAP_N", kName}, {"CHAP_R", r}, {"CHAP_I", "256"}, {"CHAP_C", k16}}, chap_errc::bad_identifier},
      {{{"CHAP_N", kName}, {"CHAP_R", r}, {"CHAP_I", "-1"}, {"CHAP_C", k16}}, chap_errc::bad_identifier},
      {{{"CHAP_N", kName}, {"CHAP_R", r}, {"CHAP_I", "one"}, {"CHAP_C", k16}}, chap_errc::bad_identifier},
      {{{"CHAP_N", kName}, {"CHAP_R", r}, {"CHAP_I", "1"}, {"CHAP_C", "0x0011"}}, chap_errc::bad_challenge_length},
      {{{"CHAP_N", kName}, {"CHAP_R", r}, {"CHAP_I", "1"}, {"CHAP_C", too_long}}, chap_errc::bad_challenge_length},
      {{{"CHAP_N", kName}, {"CHAP_R", r}, {"CHAP_I", "1"}, {"CHAP_C", "00112233"}}, chap_errc::malformed_value},
      // Well-formed, but the response is zeros: the secret is not proven.
      {{{"CHAP_N", kName}, {"CHAP_R", r}}, chap_errc::authentication_failed},
      {{{"CHAP_N", kName}, {"CHAP_R", r}, {"CHAP_I", "0xff"}, {"CHAP_C", k16}}, chap_errc::authentication_failed},
  };
  for (const Case& c : cases) {
    INFO("case " << (&c - cases));
    ChapTarget t = challenged();
    TextPairs out;
    CHECK(t.step(c.in, out) == c.expected);
    CHECK(out.empty());
    CHECK_FALSE(t.authenticated());
    CHECK(chap_login_status(t.error()) == LoginStatus::authentication_failure);
  }
}

TEST_CASE("chap errors: CHAP keys after the exchange are out of order", "[chap]") {
  ChapTarget t(config(false));
  ChapInitiator i([] {
    ChapInitiatorConfig c;
    c.algorithms = {ChapAlgorithm::sha256};
    c.credentials = ChapCredentials::from_text(kName, "initiator-secret-16");
    return c;
  }());
  TextPairs offer, challenge, answer, out;
  REQUIRE_FALSE(i.start(offer));
  REQUIRE_FALSE(t.step(offer, challenge));
  REQUIRE_FALSE(i.step(challenge, answer));
  REQUIRE_FALSE(t.step(answer, out));
  REQUIRE(t.authenticated());
  // Non-CHAP keys after the exchange are fine (operational keys may share the PDU).
  CHECK_FALSE(t.step(TextPairs{{"HeaderDigest", "None"}}, out));
  CHECK(t.step(TextPairs{{"CHAP_A", "7"}}, out) == chap_errc::unexpected_key);
  CHECK(i.done());
  CHECK(i.step(TextPairs{{"CHAP_N", "x"}, {"CHAP_R", "0x00"}}, out) == chap_errc::unexpected_key);
  CHECK(i.start(out) == chap_errc::unexpected_key);  // sticky
}

TEST_CASE("chap errors: initiator malformed challenges", "[chap]") {
  struct Case {
    TextPairs in;
    chap_errc expected;
  };
  const Case cases[] = {
      {{{"CHAP_A", "7"}, {"CHAP_I", "1"}}, chap_errc::missing_key},
      {{{"CHAP_A", "seven"}, {"CHAP_I", "1"}, {"CHAP_C", k16}}, chap_errc::malformed_value},
      {{{"CHAP_A", "7"}, {"CHAP_I", "1000"}, {"CHAP_C", k16}}, chap_errc::bad_identifier},
      {{{"CHAP_A", "7"}, {"CHAP_I", "1"}, {"CHAP_C", "0x01"}}, chap_errc::bad_challenge_length},
      {{{"CHAP_A", "7"}, {"CHAP_I", "1"}, {"CHAP_C", "0y00"}}, chap_errc::malformed_value},
      {{{"CHAP_A", "7"}, {"CHAP_I", "1"}, {"CHAP_C", k16}, {"CHAP_N", "t"}}, chap_errc::unexpected_key},
  };
  for (const Case& c : cases) {
    INFO("case " << (&c - cases));
    ChapInitiatorConfig config;
    config.credentials = ChapCredentials::from_text(kName, "initiator-secret-16");
    ChapInitiator i(std::move(config));
    TextPairs out;
    CHECK(i.step(c.in, out) == chap_errc::unexpected_key);  // before start(): out of order
    ChapInitiator j([] {
      ChapInitiatorConfig c2;
      c2.credentials = ChapCredentials::from_text(kName, "initiator-secret-16");
      return c2;
    }());
    REQUIRE_FALSE(j.start(out));
    out.clear();
    CHECK(j.step(c.in, out) == c.expected);
    CHECK(out.empty());
  }
}

TEST_CASE("chap errors: configuration checks", "[chap]") {
  TextPairs out;
  SECTION("one secret for both directions (RFC 7143 12.1.3)") {
    auto c = config();
    c.target->secret = c.initiator.secret;
    ChapTarget t(std::move(c));
    CHECK(t.step(TextPairs{{"CHAP_A", "7"}}, out) == chap_errc::same_secret);
    CHECK(chap_login_status(t.error()) == LoginStatus::target_error);

    ChapInitiatorConfig ic;
    ic.credentials = ChapCredentials::from_text(kName, "shared");
    ic.target = ChapCredentials::from_text("t", "shared");
    ChapInitiator i(std::move(ic));
    CHECK(i.start(out) == chap_errc::same_secret);
    CHECK(out.empty());
  }
  SECTION("empty name or secret, no algorithm, bad minimum") {
    auto a = config();
    a.initiator.secret.clear();
    CHECK(ChapTarget(std::move(a)).error() == chap_errc::invalid_config);
    auto b = config();
    b.target->name.clear();
    CHECK(ChapTarget(std::move(b)).error() == chap_errc::invalid_config);
    auto c = config();
    c.algorithms = {static_cast<ChapAlgorithm>(42)};
    CHECK(ChapTarget(std::move(c)).error() == chap_errc::invalid_config);
    auto d = config();
    d.min_challenge_length = 0;
    CHECK(ChapTarget(std::move(d)).error() == chap_errc::invalid_config);
    auto e = config();
    e.min_challenge_length = 1025;
    CHECK(ChapTarget(std::move(e)).error() == chap_errc::invalid_config);
    CHECK_FALSE(ChapTarget(config()).error());
  }
  SECTION("a lower minimum admits shorter peer challenges") {
    auto c = config();
    c.min_challenge_length = 1;
    ChapTarget t(std::move(c));
    REQUIRE_FALSE(t.step(TextPairs{{"CHAP_A", "7"}}, out));
    out.clear();
    CHECK(t.step(TextPairs{{"CHAP_N", kName}, {"CHAP_R", good_response_length()}, {"CHAP_I", "1"}, {"CHAP_C", "0x01"}}, out) ==
          chap_errc::authentication_failed);  // got past the length check
  }
}
