// [target.chap] / [discovery.chap] and the RFC 7143 9.2.1 rules on CHAP secrets.
#include <algorithm>
#include <array>
#include <cstdint>

#include "target/config/detail/readers.h"

namespace uiscsi::target::config::detail {
namespace {

// RFC 7143 9.2.1: a secret of fewer than 96 random bits needs IPsec, which uiscsi does not
// do, so 12 bytes is the floor. Implementations must support secrets "up to 128-bit" (the
// same section) and some (the Microsoft initiator) accept no more, so above 16 bytes is
// worth a warning.
constexpr std::size_t kMinSecretBytes = 12;
constexpr std::size_t kInteropMaxSecretBytes = 16;

// CHAP_A values (IANA "PPP Authentication Algorithms", RFC 7143 12.1.3).
struct Algorithm {
  std::string_view name;
  std::uint8_t value;
};
constexpr std::array<Algorithm, 4> kAlgorithms{{
    {"MD5", 5}, {"SHA-1", 6}, {"SHA-256", 7}, {"SHA3-256", 8}}};

std::optional<std::uint8_t> algorithm_value(const toml::node& node) {
  if (const auto* s = node.as_string()) {
    for (const Algorithm& a : kAlgorithms) {
      if (a.name == s->get()) return a.value;
    }
  } else if (const auto* i = node.as_integer()) {
    for (const Algorithm& a : kAlgorithms) {
      if (a.value == i->get()) return a.value;
    }
  }
  return std::nullopt;
}

std::optional<iscsit::ChapCredentials> read_credentials(TableReader& table,
                                                        bool authenticates_initiator,
                                                        SecretRegistry& secrets) {
  Findings& findings = table.findings();
  const auto username = table.string("username");
  const auto secret = table.string("secret");
  bool ok = true;
  if (!username || username->empty()) {
    findings.error(table.position("username"),
                   table.key_path("username") + (username ? " is empty" : " is missing"));
    ok = false;
  }
  if (!secret) {
    findings.error(table.position(), table.key_path("secret") + " is missing");
    return std::nullopt;
  }
  const SourcePosition where = table.position("secret");
  if (secret->size() < kMinSecretBytes) {
    findings.error(where, table.key_path("secret") + ": the secret is " +
                              std::to_string(secret->size()) +
                              " bytes long; RFC 7143 9.2.1 requires at least 12 (96 bits) without IPsec");
    ok = false;
  } else if (secret->size() > kInteropMaxSecretBytes) {
    findings.warning(where, table.key_path("secret") + ": the secret is " +
                                std::to_string(secret->size()) +
                                " bytes long; some initiators accept only 12 to 16 bytes");
  }
  secrets.add(*secret, authenticates_initiator, where, table.key_path("secret"));
  if (!ok) return std::nullopt;
  return iscsit::ChapCredentials{*username, *secret};
}

std::vector<std::uint8_t> read_algorithms(TableReader& chap) {
  const toml::array* list = chap.array("algorithms");
  if (!list) return iscsit::ChapConfig{}.algorithms;
  std::vector<std::uint8_t> values;
  for (const toml::node& element : *list) {
    const auto value = algorithm_value(element);
    if (!value) {
      chap.findings().error(position_of(element.source()),
                            chap.key_path("algorithms") +
                                ": unknown CHAP algorithm; use \"SHA3-256\", \"SHA-256\", "
                                "\"SHA-1\", \"MD5\" or their CHAP_A numbers 8, 7, 6, 5");
    } else if (std::find(values.begin(), values.end(), *value) != values.end()) {
      chap.findings().error(position_of(element.source()),
                            chap.key_path("algorithms") + ": algorithm listed twice");
    } else {
      values.push_back(*value);
    }
  }
  if (list->empty()) {
    chap.findings().error(chap.position("algorithms"),
                          chap.key_path("algorithms") + " is empty; list at least one");
  }
  return values.empty() ? iscsit::ChapConfig{}.algorithms : values;
}

}  // namespace

void SecretRegistry::add(std::string secret, bool authenticates_initiator, SourcePosition where,
                         std::string key_path) {
  uses_.push_back({std::move(secret), authenticates_initiator, where, std::move(key_path)});
}

void SecretRegistry::check(Findings& findings) const {
  for (const Use& mutual : uses_) {
    if (mutual.authenticates_initiator) continue;
    const auto clash = std::find_if(uses_.begin(), uses_.end(), [&](const Use& other) {
      return other.authenticates_initiator && other.secret == mutual.secret;
    });
    if (clash == uses_.end()) continue;
    findings.error(mutual.where,
                   mutual.key_path + ": the same secret authenticates initiators (" +
                       clash->key_path + ", line " + std::to_string(clash->where.line) +
                       "); RFC 7143 9.2.1 forbids using a CHAP secret in both directions");
  }
}

iscsit::ChapConfig read_chap(TableReader& chap, SecretRegistry& secrets) {
  iscsit::ChapConfig config;
  // Without username and secret of its own the table may still set algorithms or mutual;
  // then initiators are not asked to authenticate.
  if (chap.table().contains("username") || chap.table().contains("secret")) {
    config.initiator = read_credentials(chap, true, secrets);
  }
  config.algorithms = read_algorithms(chap);
  if (const toml::table* mutual_table = chap.table("mutual")) {
    TableReader mutual(*mutual_table, chap.key_path("mutual"), chap.findings());
    config.mutual = read_credentials(mutual, false, secrets);
    mutual.finish();
    if (!chap.table().contains("secret")) {
      // The initiator challenges the target in the same Login Request that answers ours
      // (RFC 7143 12.1.3), so there is no mutual CHAP without one-way CHAP.
      chap.findings().error(mutual.position(),
                            mutual.path() + " needs " + chap.key_path("username") + " and " +
                                chap.key_path("secret") +
                                " too: the target answers the initiator's challenge only "
                                "within one-way CHAP (RFC 7143 12.1.3)");
    }
  }
  return config;
}

}  // namespace uiscsi::target::config::detail
