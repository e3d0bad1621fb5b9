#include "initiator/node_db/node_keys.h"

#include <array>
#include <charconv>
#include <span>

namespace uiscsi::initiator::node_db {
namespace {

enum class Kind : std::uint8_t {
  fixed,     // names the record (node.name, the portal...): never updated
  text,      // any single-line text
  number,    // unsigned decimal in [low, high]
  choice,    // one of `choices`
  chap_algs  // comma-separated CHAP algorithm names
};

struct Key {
  std::string_view name;
  std::string_view default_value;
  Kind kind;
  std::uint64_t low = 0, high = 0;
  std::span<const std::string_view> choices = {};
};

constexpr std::array<std::string_view, 2> kYesNo{"Yes", "No"};
constexpr std::array<std::string_view, 3> kStartup{"manual", "automatic", "onboot"};
constexpr std::array<std::string_view, 2> kAuth{"None", "CHAP"};
constexpr std::array<std::string_view, 4> kDigest{"None", "CRC32C", "CRC32C,None", "None,CRC32C"};
constexpr std::array<std::string_view, 2> kDiscoveryType{"send_targets", "static"};
constexpr std::array<std::string_view, 5> kOffload{"auto", "tcp", "placement", "smc", "iser"};
constexpr std::array<std::string_view, 4> kChapAlgs{"MD5", "SHA1", "SHA256", "SHA3-256"};
constexpr std::uint64_t kU32 = 0xffffffffu;

// Defaults are open-iscsi's, except that digests and CHAP algorithms are spelled as its
// iscsid.conf does.
constexpr std::array kNodeKeys{
    Key{"node.name", "", Kind::fixed},
    Key{"node.tpgt", "-1", Kind::fixed},
    Key{"node.startup", "manual", Kind::choice, 0, 0, kStartup},
    Key{"node.leading_login", "No", Kind::choice, 0, 0, kYesNo},
    Key{"iface.iscsi_ifacename", "default", Kind::fixed},
    Key{"iface.transport_name", "tcp", Kind::fixed},
    Key{"iface.initiatorname", "", Kind::text},
    Key{"node.discovery_address", "", Kind::text},
    Key{"node.discovery_port", "0", Kind::number, 0, 65535},
    Key{"node.discovery_type", "static", Kind::choice, 0, 0, kDiscoveryType},
    Key{"node.session.initial_cmdsn", "0", Kind::number, 0, kU32},
    Key{"node.session.initial_login_retry_max", "8", Kind::number, 0, 1000},
    Key{"node.session.cmds_max", "128", Kind::number, 1, 65536},
    Key{"node.session.queue_depth", "32", Kind::number, 1, 65536},
    Key{"node.session.nr_sessions", "1", Kind::number, 1, 1},
    Key{"node.session.auth.authmethod", "None", Kind::choice, 0, 0, kAuth},
    Key{"node.session.auth.username", "", Kind::text},
    Key{"node.session.auth.password", "", Kind::text},
    Key{"node.session.auth.username_in", "", Kind::text},
    Key{"node.session.auth.password_in", "", Kind::text},
    Key{"node.session.auth.chap_algs", "MD5", Kind::chap_algs},
    Key{"node.session.timeo.replacement_timeout", "120", Kind::number, 0, 86400},
    Key{"node.session.err_timeo.abort_timeout", "15", Kind::number, 1, 3600},
    Key{"node.session.err_timeo.lu_reset_timeout", "30", Kind::number, 1, 3600},
    Key{"node.session.err_timeo.tgt_reset_timeout", "30", Kind::number, 1, 3600},
    Key{"node.session.iscsi.InitialR2T", "No", Kind::choice, 0, 0, kYesNo},
    Key{"node.session.iscsi.ImmediateData", "Yes", Kind::choice, 0, 0, kYesNo},
    Key{"node.session.iscsi.FirstBurstLength", "262144", Kind::number, 512, 16777215},
    Key{"node.session.iscsi.MaxBurstLength", "16776192", Kind::number, 512, 16777215},
    Key{"node.session.iscsi.DefaultTime2Retain", "0", Kind::number, 0, 3600},
    Key{"node.session.iscsi.DefaultTime2Wait", "2", Kind::number, 0, 3600},
    Key{"node.session.iscsi.MaxConnections", "1", Kind::number, 1, 65535},
    Key{"node.session.iscsi.MaxOutstandingR2T", "1", Kind::number, 1, 65535},
    Key{"node.session.iscsi.ERL", "0", Kind::number, 0, 0},
    Key{"node.conn[0].address", "", Kind::fixed},
    Key{"node.conn[0].port", "3260", Kind::fixed},
    Key{"node.conn[0].startup", "manual", Kind::choice, 0, 0, kStartup},
    Key{"node.conn[0].timeo.logout_timeout", "15", Kind::number, 1, 3600},
    Key{"node.conn[0].timeo.login_timeout", "15", Kind::number, 1, 3600},
    Key{"node.conn[0].timeo.noop_out_interval", "5", Kind::number, 0, 3600},
    Key{"node.conn[0].timeo.noop_out_timeout", "5", Kind::number, 0, 3600},
    Key{"node.conn[0].iscsi.MaxRecvDataSegmentLength", "262144", Kind::number, 512, 16777215},
    Key{"node.conn[0].iscsi.HeaderDigest", "None", Kind::choice, 0, 0, kDigest},
    Key{"node.conn[0].iscsi.DataDigest", "None", Kind::choice, 0, 0, kDigest},
    Key{"node.conn[0].offload", "tcp", Kind::choice, 0, 0, kOffload},
};

constexpr std::array kDiscoveryKeys{
    Key{"discovery.startup", "manual", Kind::choice, 0, 0, kStartup},
    Key{"discovery.type", "sendtargets", Kind::fixed},
    Key{"discovery.sendtargets.address", "", Kind::fixed},
    Key{"discovery.sendtargets.port", "3260", Kind::fixed},
    Key{"discovery.sendtargets.auth.authmethod", "None", Kind::choice, 0, 0, kAuth},
    Key{"discovery.sendtargets.auth.username", "", Kind::text},
    Key{"discovery.sendtargets.auth.password", "", Kind::text},
    Key{"discovery.sendtargets.auth.username_in", "", Kind::text},
    Key{"discovery.sendtargets.auth.password_in", "", Kind::text},
    Key{"discovery.sendtargets.auth.chap_algs", "MD5", Kind::chap_algs},
    Key{"discovery.sendtargets.timeo.login_timeout", "15", Kind::number, 1, 3600},
    Key{"discovery.sendtargets.reopen_max", "5", Kind::number, 0, 1000},
    Key{"discovery.sendtargets.timeo.auth_timeout", "45", Kind::number, 1, 3600},
    Key{"discovery.sendtargets.timeo.active_timeout", "30", Kind::number, 1, 3600},
    Key{"discovery.sendtargets.iscsi.MaxRecvDataSegmentLength", "32768", Kind::number, 512, 16777215},
    Key{"discovery.sendtargets.offload", "tcp", Kind::choice, 0, 0, kOffload},
};

template <std::size_t N>
const Key* find_key(const std::array<Key, N>& keys, std::string_view name) {
  for (const Key& key : keys) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

bool contains(std::span<const std::string_view> choices, std::string_view value) {
  for (std::string_view choice : choices) {
    if (choice == value) return true;
  }
  return false;
}

std::string check_value(const Key& key, std::string_view value) {
  const std::string quoted = "\"" + std::string(value) + "\"";
  switch (key.kind) {
    case Kind::fixed:
      return std::string(key.name) + " names the record and cannot be changed";
    case Kind::text:
      for (char c : value) {
        if (static_cast<unsigned char>(c) < ' ' || c == 0x7f) {
          return std::string(key.name) + " must be one line of printable text";
        }
      }
      return {};
    case Kind::number: {
      std::uint64_t number = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
      if (value.empty() || ec != std::errc() || end != value.data() + value.size() || number < key.low ||
          number > key.high) {
        return std::string(key.name) + " takes a number from " + std::to_string(key.low) + " to " +
               std::to_string(key.high) + ", not " + quoted;
      }
      return {};
    }
    case Kind::choice: {
      if (contains(key.choices, value)) return {};
      std::string list;
      for (std::string_view choice : key.choices) list += (list.empty() ? "" : ", ") + std::string(choice);
      return std::string(key.name) + " takes one of " + list + ", not " + quoted;
    }
    case Kind::chap_algs: {
      std::string_view rest = value;
      if (rest.empty()) return std::string(key.name) + " needs at least one algorithm";
      while (!rest.empty()) {
        const auto comma = rest.find(',');
        const std::string_view item = rest.substr(0, comma);
        if (!contains(kChapAlgs, item)) {
          return std::string(key.name) + ": unknown CHAP algorithm \"" + std::string(item) +
                 "\" (MD5, SHA1, SHA256, SHA3-256)";
        }
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        if (comma != std::string_view::npos && rest.empty()) return std::string(key.name) + " ends with a comma";
      }
      return {};
    }
  }
  return "unreachable";
}

template <std::size_t N>
std::string update(const std::array<Key, N>& keys, Record& record, std::string_view name, std::string_view value) {
  const Key* key = find_key(keys, name);
  if (!key) return "Cannot modify " + std::string(name) + ". Invalid param name.";
  if (std::string why = check_value(*key, value); !why.empty()) return why;
  record.set(name, value);
  return {};
}

template <std::size_t N>
void complete(const std::array<Key, N>& keys, Record& record) {
  Record completed;
  for (const Key& key : keys) completed.set(key.name, record.get(key.name, key.default_value));
  // Keys we do not know (open-iscsi's iface.* and friends) are kept, after ours.
  for (const auto& [name, value] : record.entries()) {
    if (!completed.contains(name)) completed.set(name, value);
  }
  record = std::move(completed);
}

}  // namespace

Record default_node_record(std::string_view target_name, const Portal& portal, std::int32_t tpgt) {
  Record record;
  complete(kNodeKeys, record);
  record.set("node.name", target_name);
  record.set("node.tpgt", std::to_string(tpgt));
  record.set("node.conn[0].address", portal.host);
  record.set("node.conn[0].port", std::to_string(portal.port));
  return record;
}

Record default_discovery_record(const Portal& portal) {
  Record record;
  complete(kDiscoveryKeys, record);
  record.set("discovery.sendtargets.address", portal.host);
  record.set("discovery.sendtargets.port", std::to_string(portal.port));
  return record;
}

std::string update_node_value(Record& record, std::string_view name, std::string_view value) {
  return update(kNodeKeys, record, name, value);
}

std::string update_discovery_value(Record& record, std::string_view name, std::string_view value) {
  return update(kDiscoveryKeys, record, name, value);
}

void complete_node_record(Record& record) { complete(kNodeKeys, record); }
void complete_discovery_record(Record& record) { complete(kDiscoveryKeys, record); }

bool is_secret_key(std::string_view name) noexcept {
  return name.ends_with(".auth.password") || name.ends_with(".auth.password_in");
}

}  // namespace uiscsi::initiator::node_db
