#include <catch2/catch.hpp>

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "iscsi/chap_initiator.h"
#include "iscsi/chap_target.h"
#include "iscsi/text_values.h"

using namespace uiscsi::iscsi;

namespace {

constexpr ChapAlgorithm kAll[] = {ChapAlgorithm::md5, ChapAlgorithm::sha1, ChapAlgorithm::sha256,
                                  ChapAlgorithm::sha3_256};

const char* evp_name(ChapAlgorithm a) {
  switch (a) {
    case ChapAlgorithm::md5: return "MD5";
    case ChapAlgorithm::sha1: return "SHA1";
    case ChapAlgorithm::sha256: return "SHA256";
    case ChapAlgorithm::sha3_256: return "SHA3-256";
  }
  return "";
}

std::string value_of(const TextPairs& pairs, std::string_view key) {
  const TextPair* p = find_pair(pairs, key);
  REQUIRE(p != nullptr);
  return p->value;
}

std::vector<std::byte> binary(const std::string& value) {
  std::vector<std::byte> out;
  REQUIRE_FALSE(parse_binary(value, out));
  return out;
}

// The response computed independently: one-shot EVP_Digest of id || secret || challenge.
std::string expected_response(ChapAlgorithm a, const std::string& id, std::string_view secret,
                              const std::vector<std::byte>& challenge) {
  std::uint64_t identifier = 0;
  REQUIRE_FALSE(parse_number(id, identifier));
  std::string input(1, static_cast<char>(identifier));
  input += secret;
  input.append(reinterpret_cast<const char*>(challenge.data()), challenge.size());
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  REQUIRE(EVP_Digest(input.data(), input.size(), md, &length, EVP_get_digestbyname(evp_name(a)), nullptr) == 1);
  return format_hex({reinterpret_cast<const std::byte*>(md), length});
}

ChapTargetConfig target_config(bool mutual, std::vector<ChapAlgorithm> algorithms = default_chap_algorithms()) {
  ChapTargetConfig c;
  c.algorithms = std::move(algorithms);
  c.initiator = ChapCredentials::from_text("iqn.1994-05.com.example:host1", "initiator-secret-16");
  if (mutual) c.target = ChapCredentials::from_text("iqn.2024-01.org.uiscsi:disk", "target-secret-0123");
  return c;
}

ChapInitiatorConfig initiator_config(bool mutual, std::vector<ChapAlgorithm> algorithms = default_chap_algorithms()) {
  ChapInitiatorConfig c;
  c.algorithms = std::move(algorithms);
  c.credentials = ChapCredentials::from_text("iqn.1994-05.com.example:host1", "initiator-secret-16");
  if (mutual) c.target = ChapCredentials::from_text("iqn.2024-01.org.uiscsi:disk", "target-secret-0123");
  return c;
}

// Changes the "0x" / "0b" prefix of binary values to upper case, as some peers send it.
TextPairs upper_prefixes(TextPairs pairs) {
  for (TextPair& p : pairs) {
    if (p.value.size() > 2 && p.value[0] == '0' && (p.value[1] == 'x' || p.value[1] == 'b') &&
        (p.key == "CHAP_C" || p.key == "CHAP_R")) {
      p.value[1] = static_cast<char>(std::toupper(static_cast<unsigned char>(p.value[1])));
    }
  }
  return pairs;
}

}  // namespace

TEST_CASE("chap exchange: one-way and mutual, every algorithm, hex and base64", "[chap]") {
  for (const ChapAlgorithm algorithm : kAll) {
    if (!chap_algorithm_available(algorithm)) continue;
    for (const bool mutual : {false, true}) {
      for (const ChapEncoding encoding : {ChapEncoding::hex, ChapEncoding::base64}) {
        for (const bool upper : {false, true}) {
          INFO(chap_algorithm_name(algorithm) << (mutual ? " mutual" : " one-way")
                                              << (encoding == ChapEncoding::hex ? " hex" : " base64")
                                              << (upper ? " upper-case prefix" : ""));
          auto tc = target_config(mutual, {algorithm});
          tc.encoding = encoding;
          auto ic = initiator_config(mutual, {algorithm});
          ic.encoding = encoding;
          ChapTarget target(std::move(tc));
          ChapInitiator initiator(std::move(ic));

          TextPairs offer;
          REQUIRE_FALSE(initiator.start(offer));
          CHECK(value_of(offer, "CHAP_A") == std::to_string(static_cast<int>(algorithm)));

          TextPairs challenge;
          REQUIRE_FALSE(target.step(offer, challenge));
          REQUIRE(challenge.size() == 3);
          CHECK(value_of(challenge, "CHAP_A") == std::to_string(static_cast<int>(algorithm)));
          const std::string target_c = value_of(challenge, "CHAP_C");
          CHECK(target_c.substr(0, 2) == (encoding == ChapEncoding::hex ? "0x" : "0b"));
          const auto target_challenge = binary(target_c);
          CHECK(target_challenge.size() == chap_digest_size(algorithm));
          CHECK(target_challenge.size() >= 16);
          if (upper) challenge = upper_prefixes(challenge);

          TextPairs answer;
          REQUIRE_FALSE(initiator.step(challenge, answer));
          CHECK(value_of(answer, "CHAP_N") == "iqn.1994-05.com.example:host1");
          CHECK(format_hex(binary(value_of(answer, "CHAP_R"))) ==
                expected_response(algorithm, value_of(challenge, "CHAP_I"), "initiator-secret-16", target_challenge));
          CHECK(initiator.done() == !mutual);
          CHECK((find_pair(answer, "CHAP_C") != nullptr) == mutual);
          if (upper) answer = upper_prefixes(answer);

          TextPairs proof;
          REQUIRE_FALSE(target.step(answer, proof));
          CHECK(target.authenticated());
          CHECK(target.mutual() == mutual);
          CHECK(target.algorithm() == algorithm);
          if (!mutual) {
            CHECK(proof.empty());
            continue;
          }
          REQUIRE(proof.size() == 2);
          CHECK(value_of(proof, "CHAP_N") == "iqn.2024-01.org.uiscsi:disk");
          CHECK(format_hex(binary(value_of(proof, "CHAP_R"))) ==
                expected_response(algorithm, value_of(answer, "CHAP_I"), "target-secret-0123",
                                  binary(value_of(answer, "CHAP_C"))));
          TextPairs nothing;
          REQUIRE_FALSE(initiator.step(proof, nothing));
          CHECK(nothing.empty());
          CHECK(initiator.done());
        }
      }
    }
  }
}

TEST_CASE("chap exchange: algorithm choice follows the initiator's order", "[chap]") {
  TextPairs out;
  SECTION("first mutually supported value of the initiator's list") {
    ChapTarget target(target_config(false, {ChapAlgorithm::md5, ChapAlgorithm::sha256}));
    REQUIRE_FALSE(target.step(TextPairs{{"CHAP_A", "8,7,5"}}, out));
    CHECK(value_of(out, "CHAP_A") == "7");
  }
  SECTION("unknown and malformed values are skipped") {
    ChapTarget target(target_config(false));
    REQUIRE_FALSE(target.step(TextPairs{{"CHAP_A", "99,abc,0x5"}}, out));
    CHECK(value_of(out, "CHAP_A") == "5");
  }
  SECTION("nothing in common") {
    ChapTarget target(target_config(false, {ChapAlgorithm::sha256}));
    CHECK(target.step(TextPairs{{"CHAP_A", "5,6"}}, out) == chap_errc::unsupported_algorithm);
    CHECK(out.empty());
    CHECK(chap_login_status(target.error()) == LoginStatus::authentication_failure);
  }
  SECTION("the initiator refuses an algorithm it did not offer, and Reject") {
    ChapInitiator a(initiator_config(false, {ChapAlgorithm::sha256}));
    REQUIRE_FALSE(a.start(out));
    CHECK(a.step(TextPairs{{"CHAP_A", "5"}, {"CHAP_I", "1"}, {"CHAP_C", "0x00112233445566778899aabbccddeeff"}}, out) ==
          chap_errc::unsupported_algorithm);
    ChapInitiator b(initiator_config(false));
    REQUIRE_FALSE(b.start(out));
    CHECK(b.step(TextPairs{{"CHAP_A", "Reject"}}, out) == chap_errc::missing_key);
    ChapInitiator c(initiator_config(false));
    REQUIRE_FALSE(c.start(out));
    CHECK(c.step(TextPairs{{"CHAP_A", "Reject"}, {"CHAP_I", "1"}, {"CHAP_C", "0x00112233445566778899aabbccddeeff"}}, out) ==
          chap_errc::unsupported_algorithm);
  }
  SECTION("the default initiator offer lists MD5, strongest first") {
    ChapInitiator initiator(initiator_config(false));
    REQUIRE_FALSE(initiator.start(out));
    if (chap_algorithm_available(ChapAlgorithm::md5)) CHECK(value_of(out, "CHAP_A") == "8,7,6,5");
  }
}

TEST_CASE("chap exchange: wrong secrets and names fail", "[chap]") {
  const bool mutual = GENERATE(false, true);
  TextPairs offer, challenge, answer, proof;
  SECTION("initiator with the wrong secret") {
    auto ic = initiator_config(mutual);
    ic.credentials = ChapCredentials::from_text(ic.credentials.name, "not-the-secret!!");
    ChapTarget target(target_config(mutual));
    ChapInitiator initiator(std::move(ic));
    REQUIRE_FALSE(initiator.start(offer));
    REQUIRE_FALSE(target.step(offer, challenge));
    REQUIRE_FALSE(initiator.step(challenge, answer));
    CHECK(target.step(answer, proof) == chap_errc::authentication_failed);
    CHECK(proof.empty());  // no target proof for an unauthenticated initiator
    CHECK_FALSE(target.authenticated());
    CHECK(chap_login_status(target.error()) == LoginStatus::authentication_failure);
    // Sticky: a retry on the same machine fails the same way.
    CHECK(target.step(answer, proof) == chap_errc::authentication_failed);
  }
  SECTION("initiator with the wrong name") {
    auto ic = initiator_config(mutual);
    ic.credentials.name = "iqn.1994-05.com.example:intruder";
    ChapTarget target(target_config(mutual));
    ChapInitiator initiator(std::move(ic));
    REQUIRE_FALSE(initiator.start(offer));
    REQUIRE_FALSE(target.step(offer, challenge));
    REQUIRE_FALSE(initiator.step(challenge, answer));
    CHECK(target.step(answer, proof) == chap_errc::unknown_name);
    CHECK(chap_login_status(target.error()) == LoginStatus::authentication_failure);
  }
  if (mutual) {
    SECTION("target with the wrong secret or name: the initiator refuses it") {
      auto tc = target_config(true);
      const bool wrong_name = GENERATE(false, true);
      if (wrong_name) {
        tc.target->name = "iqn.2024-01.org.evil:disk";
      } else {
        tc.target->secret = ChapCredentials::from_text("", "impostor-secret!!").secret;
      }
      ChapTarget target(std::move(tc));
      ChapInitiator initiator(initiator_config(true));
      REQUIRE_FALSE(initiator.start(offer));
      REQUIRE_FALSE(target.step(offer, challenge));
      REQUIRE_FALSE(initiator.step(challenge, answer));
      REQUIRE_FALSE(target.step(answer, proof));
      CHECK(initiator.step(proof, answer) ==
            (wrong_name ? chap_errc::unknown_name : chap_errc::authentication_failed));
      CHECK_FALSE(initiator.done());
    }
    SECTION("target that transits without its proof") {
      ChapTarget target(target_config(true));
      ChapInitiator initiator(initiator_config(true));
      REQUIRE_FALSE(initiator.start(offer));
      REQUIRE_FALSE(target.step(offer, challenge));
      REQUIRE_FALSE(initiator.step(challenge, answer));
      CHECK(initiator.step({}, proof) == chap_errc::missing_key);
      CHECK_FALSE(initiator.done());
    }
  }
}

TEST_CASE("chap exchange: a reflected challenge is refused", "[chap]") {
  // An attacker without the secret replays our challenge as its own, hoping we answer with
  // the response it needs. Here the "initiator" even knows its secret: the check must not
  // depend on the response being wrong.
  ChapTarget target(target_config(true, {ChapAlgorithm::sha256}));
  TextPairs challenge;
  REQUIRE_FALSE(target.step(TextPairs{{"CHAP_A", "7"}}, challenge));
  const std::string c = value_of(challenge, "CHAP_C");
  const std::string r = expected_response(ChapAlgorithm::sha256, value_of(challenge, "CHAP_I"), "initiator-secret-16",
                                          binary(c));
  SECTION("the same encoding") {
    TextPairs proof;
    CHECK(target.step(TextPairs{{"CHAP_N", "iqn.1994-05.com.example:host1"}, {"CHAP_R", r}, {"CHAP_I", "9"}, {"CHAP_C", c}},
                      proof) == chap_errc::reflected_challenge);
    CHECK(proof.empty());
  }
  SECTION("re-encoded in base64: compared as bytes, not text") {
    TextPairs proof;
    CHECK(target.step(TextPairs{{"CHAP_N", "iqn.1994-05.com.example:host1"},
                       {"CHAP_R", r},
                       {"CHAP_I", "9"},
                       {"CHAP_C", format_base64(binary(c))}},
                      proof) == chap_errc::reflected_challenge);
  }
  CHECK(chap_login_status(target.error()) == LoginStatus::authentication_failure);
  CHECK_FALSE(target.authenticated());
}

TEST_CASE("chap exchange: mutual request without target credentials", "[chap]") {
  ChapTarget target(target_config(false));
  ChapInitiator initiator(initiator_config(true));
  TextPairs offer, challenge, answer, proof;
  REQUIRE_FALSE(initiator.start(offer));
  REQUIRE_FALSE(target.step(offer, challenge));
  REQUIRE_FALSE(initiator.step(challenge, answer));
  CHECK(target.step(answer, proof) == chap_errc::mutual_not_configured);
  CHECK(chap_login_status(target.error()) == LoginStatus::authentication_failure);
}

TEST_CASE("chap exchange: keys of the negotiator pass by untouched", "[chap]") {
  ChapTarget target(target_config(false));
  TextPairs out;
  REQUIRE_FALSE(target.step(TextPairs{{"InitiatorName", "iqn.x"}, {"CHAP_A", "5"}, {"AuthMethod", "CHAP"}}, out));
  CHECK(out.size() == 3);
  CHECK(find_pair(out, "InitiatorName") == nullptr);
}
