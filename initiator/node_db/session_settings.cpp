#include "initiator/node_db/session_settings.h"

#include <charconv>

namespace uiscsi::initiator::node_db {
namespace {

struct Reader {
  const Record& record;
  std::string error;

  std::string text(std::string_view key) const { return record.get(key); }

  std::uint32_t number(std::string_view key, std::uint32_t fallback) {
    const std::string* value = record.find(key);
    if (!value) return fallback;
    std::uint32_t n = 0;
    const auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), n);
    if (value->empty() || ec != std::errc() || end != value->data() + value->size()) {
      fail(std::string(key) + " = \"" + *value + "\" is not a number");
    }
    return n;
  }

  bool yes_no(std::string_view key, bool fallback) {
    const std::string* value = record.find(key);
    if (!value) return fallback;
    if (*value == "Yes") return true;
    if (*value == "No") return false;
    fail(std::string(key) + " = \"" + *value + "\" is neither Yes nor No");
    return fallback;
  }

  std::vector<iscsi::DigestType> digests(std::string_view key) {
    const std::string value = record.get(key, "None");
    if (value == "None") return {iscsi::DigestType::none};
    if (value == "CRC32C") return {iscsi::DigestType::crc32c};
    if (value == "CRC32C,None") return {iscsi::DigestType::crc32c, iscsi::DigestType::none};
    if (value == "None,CRC32C") return {iscsi::DigestType::none, iscsi::DigestType::crc32c};
    fail(std::string(key) + " = \"" + value + "\" is not None, CRC32C, CRC32C,None or None,CRC32C");
    return {iscsi::DigestType::none};
  }

  std::vector<iscsi::ChapAlgorithm> chap_algorithms(std::string_view key) {
    std::vector<iscsi::ChapAlgorithm> out;
    const std::string value = record.get(key, "MD5");
    std::string_view rest = value;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const std::string_view item = rest.substr(0, comma);
      if (item == "MD5") out.push_back(iscsi::ChapAlgorithm::md5);
      else if (item == "SHA1") out.push_back(iscsi::ChapAlgorithm::sha1);
      else if (item == "SHA256") out.push_back(iscsi::ChapAlgorithm::sha256);
      else if (item == "SHA3-256") out.push_back(iscsi::ChapAlgorithm::sha3_256);
      else fail(std::string(key) + ": unknown CHAP algorithm \"" + std::string(item) + "\"");
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    if (out.empty()) fail(std::string(key) + " names no CHAP algorithm");
    return out;
  }

  // The prefix is "node.session.auth" or "discovery.sendtargets.auth".
  std::optional<ChapSettings> chap(const std::string& prefix) {
    const std::string method = record.get(prefix + ".authmethod", "None");
    if (method == "None") return std::nullopt;
    if (method != "CHAP") {
      fail(prefix + ".authmethod = \"" + method + "\" is neither None nor CHAP");
      return std::nullopt;
    }
    ChapSettings chap;
    chap.user = text(prefix + ".username");
    chap.secret = text(prefix + ".password");
    chap.target_user = text(prefix + ".username_in");
    chap.target_secret = text(prefix + ".password_in");
    chap.algorithms = chap_algorithms(prefix + ".chap_algs");
    if (chap.user.empty() || chap.secret.empty()) {
      fail(prefix + ".authmethod = CHAP needs " + prefix + ".username and " + prefix + ".password");
    }
    if (chap.mutual() && (chap.target_user.empty() || chap.target_secret.empty())) {
      fail("mutual CHAP needs both " + prefix + ".username_in and " + prefix + ".password_in");
    }
    return chap;
  }

  offload::Policy policy(std::string_view key) {
    const std::string value = record.get(key, "tcp");
    const auto policy = offload::policy_from_name(value);
    if (!policy) fail(std::string(key) + " = \"" + value + "\" is not auto, tcp, placement, smc or iser");
    return policy.value_or(offload::Policy::tcp);
  }

  Portal portal(std::string_view address_key, std::string_view port_key) {
    Portal portal{text(address_key), static_cast<std::uint16_t>(number(port_key, kDefaultIscsiPort))};
    if (portal.host.empty()) fail(std::string(address_key) + " is empty");
    return portal;
  }

  void fail(std::string why) {
    if (error.empty()) error = std::move(why);
  }
};

SettingsResult finish(Reader& reader, SessionSettings settings) {
  if (!reader.error.empty()) return {std::nullopt, std::move(reader.error)};
  std::string why;
  if (settings.config.validate(why)) return {std::nullopt, why};
  return {std::move(settings), {}};
}

}  // namespace

SettingsResult node_session_settings(const Record& record, std::string_view initiator_name) {
  Reader r{record, {}};
  SessionSettings s;
  SessionConfig& c = s.config;
  const std::string own_name = r.text("iface.initiatorname");
  c.initiator_name = own_name.empty() ? std::string(initiator_name) : own_name;
  c.target_name = r.text("node.name");
  c.session_type = iscsi::SessionType::normal;
  c.portal = r.portal("node.conn[0].address", "node.conn[0].port");
  c.chap = r.chap("node.session.auth");
  NegotiationSettings& n = c.negotiation;
  n.header_digests = r.digests("node.conn[0].iscsi.HeaderDigest");
  n.data_digests = r.digests("node.conn[0].iscsi.DataDigest");
  n.max_recv_data_segment_length = r.number("node.conn[0].iscsi.MaxRecvDataSegmentLength", 262144);
  n.immediate_data = r.yes_no("node.session.iscsi.ImmediateData", true);
  n.initial_r2t = r.yes_no("node.session.iscsi.InitialR2T", false);
  n.first_burst_length = r.number("node.session.iscsi.FirstBurstLength", 262144);
  n.max_burst_length = r.number("node.session.iscsi.MaxBurstLength", 16776192);
  n.max_outstanding_r2t = r.number("node.session.iscsi.MaxOutstandingR2T", 1);
  n.default_time2wait = r.number("node.session.iscsi.DefaultTime2Wait", 2);
  n.default_time2retain = r.number("node.session.iscsi.DefaultTime2Retain", 0);
  n.max_connections = r.number("node.session.iscsi.MaxConnections", 1);  // MC/S
  Timeouts& t = c.timeouts;
  using std::chrono::seconds;
  t.replacement = seconds(r.number("node.session.timeo.replacement_timeout", 120));
  t.login = seconds(r.number("node.conn[0].timeo.login_timeout", 15));
  t.nop_interval = seconds(r.number("node.conn[0].timeo.noop_out_interval", 5));
  t.nop_timeout = seconds(r.number("node.conn[0].timeo.noop_out_timeout", 5));
  t.task_management = seconds(r.number("node.session.err_timeo.abort_timeout", 15));
  s.policy = r.policy("node.conn[0].offload");
  return finish(r, std::move(s));
}

SettingsResult discovery_session_settings(const Record& record, std::string_view initiator_name) {
  Reader r{record, {}};
  SessionSettings s;
  SessionConfig& c = s.config;
  c.initiator_name = std::string(initiator_name);
  c.session_type = iscsi::SessionType::discovery;
  c.portal = r.portal("discovery.sendtargets.address", "discovery.sendtargets.port");
  c.chap = r.chap("discovery.sendtargets.auth");
  c.negotiation.max_recv_data_segment_length =
      r.number("discovery.sendtargets.iscsi.MaxRecvDataSegmentLength", 32768);
  c.timeouts.login = std::chrono::seconds(r.number("discovery.sendtargets.timeo.login_timeout", 15));
  s.policy = r.policy("discovery.sendtargets.offload");
  return finish(r, std::move(s));
}

}  // namespace uiscsi::initiator::node_db
