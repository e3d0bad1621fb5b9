// The node database: open-iscsi's record text, the key table, the directory layout and the
// mapping from records to session settings.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "initiator/node_db/node_db.h"
#include "initiator/node_db/node_keys.h"
#include "initiator/node_db/record.h"
#include "initiator/node_db/session_settings.h"

using namespace uiscsi::initiator;
using namespace uiscsi::initiator::node_db;
namespace fs = std::filesystem;

namespace {

// The start of a record as open-iscsi 2.1 writes it (iscsiadm -m node -o show).
constexpr std::string_view kOpenIscsiRecord =
    "# BEGIN RECORD 2.1.8\n"
    "node.name = iqn.2003-01.org.linux-iscsi.host:sn.1234\n"
    "node.tpgt = 1\n"
    "node.startup = automatic\n"
    "iface.iscsi_ifacename = default\n"
    "iface.net_ifacename = <empty>\n"
    "node.session.auth.authmethod = CHAP\n"
    "node.session.auth.username = alice\n"
    "node.session.auth.password = s3cret-pass\n"
    "node.session.auth.chap_algs = SHA256,MD5\n"
    "node.session.timeo.replacement_timeout = 7\n"
    "node.conn[0].address = 192.0.2.10\n"
    "node.conn[0].port = 3261\n"
    "node.conn[0].iscsi.HeaderDigest = CRC32C,None\n"
    "node.conn[0].iscsi.DataDigest = None\n"
    "# END RECORD\n";

struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "uiscsi-nodedb.XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

TEST_CASE("an open-iscsi record parses, with <empty> as the empty string") {
  const ParsedRecord parsed = parse_record(kOpenIscsiRecord);
  REQUIRE(parsed.record);
  const Record& r = *parsed.record;
  CHECK(r.get("node.name") == "iqn.2003-01.org.linux-iscsi.host:sn.1234");
  CHECK(r.get("node.conn[0].port") == "3261");
  CHECK(r.contains("iface.net_ifacename"));
  CHECK(r.get("iface.net_ifacename", "x").empty());
  CHECK(r.entries().size() == 14);
}

TEST_CASE("format_record writes what parse_record reads back") {
  const Record r = *parse_record(kOpenIscsiRecord).record;
  const std::string text = format_record(r, "test");
  CHECK(text.starts_with("# BEGIN RECORD test\n"));
  CHECK(text.find("iface.net_ifacename = <empty>\n") != std::string::npos);
  CHECK(text.ends_with("# END RECORD\n"));
  CHECK(*parse_record(text).record == r);
}

TEST_CASE("a record cut at any byte parses to a prefix of its keys or names the bad line") {
  const Record whole = *parse_record(kOpenIscsiRecord).record;
  for (std::size_t cut = 0; cut <= kOpenIscsiRecord.size(); ++cut) {
    const ParsedRecord parsed = parse_record(kOpenIscsiRecord.substr(0, cut));
    if (!parsed.record) {
      // Only a line cut before its '=' is malformed.
      CHECK(parsed.error.find("line ") == 0);
      continue;
    }
    // Every key read is one of the record's, with its value or a prefix of it.
    for (const auto& [key, value] : parsed.record->entries()) {
      const std::string* full = whole.find(key);
      REQUIRE(full);
      CHECK((value == *full || full->starts_with(value) || (value == "<empty" && full->empty()) ||
             std::string_view(kEmptyValue).starts_with(value)));
    }
  }
}

TEST_CASE("malformed records are refused with the line that is wrong") {
  CHECK(parse_record("node.name = a\nno equals sign here\n").error ==
        "line 2: expected \"key = value\", got \"no equals sign here\"");
  CHECK(parse_record(" = value\n").error.starts_with("line 1: bad key"));
  CHECK(parse_record("two words = value\n").error.starts_with("line 1: bad key"));
  CHECK(parse_record(std::string("node.name = a\0b\n", 16)).error == "the record contains a NUL byte");
  // Comments, blank lines and CRLF are fine; a later key wins.
  const ParsedRecord ok = parse_record("# c\r\n\r\nnode.startup = manual\r\nnode.startup=automatic\n");
  REQUIRE(ok.record);
  CHECK(ok.record->get("node.startup") == "automatic");
  CHECK(ok.record->entries().size() == 1);
}

TEST_CASE("node records get open-iscsi's keys and defaults, and updates are checked") {
  Record r = default_node_record("iqn.2024-01.org.example:disk", Portal{"127.0.0.1", 3260}, 1);
  CHECK(r.entries().front().first == "node.name");
  CHECK(r.get("node.tpgt") == "1");
  CHECK(r.get("node.startup") == "manual");
  CHECK(r.get("node.session.timeo.replacement_timeout") == "120");
  CHECK(r.get("node.conn[0].iscsi.HeaderDigest") == "None");
  CHECK(r.get("node.conn[0].offload") == "tcp");

  CHECK(update_node_value(r, "node.startup", "automatic").empty());
  CHECK(r.get("node.startup") == "automatic");
  CHECK(update_node_value(r, "node.session.auth.chap_algs", "SHA3-256,SHA256,SHA1,MD5").empty());
  CHECK(update_node_value(r, "node.conn[0].iscsi.DataDigest", "CRC32C").empty());
  CHECK(update_node_value(r, "node.conn[0].offload", "placement").empty());

  CHECK(update_node_value(r, "node.startup", "sometimes") ==
        "node.startup takes one of manual, automatic, onboot, not \"sometimes\"");
  CHECK(update_node_value(r, "node.session.timeo.replacement_timeout", "-1").starts_with(
      "node.session.timeo.replacement_timeout takes a number"));
  CHECK(update_node_value(r, "node.session.timeo.replacement_timeout", "12x").size() > 0);
  CHECK(update_node_value(r, "node.session.auth.chap_algs", "MD4") ==
        "node.session.auth.chap_algs: unknown CHAP algorithm \"MD4\" (MD5, SHA1, SHA256, SHA3-256)");
  CHECK(update_node_value(r, "node.session.auth.chap_algs", "MD5,").size() > 0);
  CHECK(update_node_value(r, "node.name", "iqn.other") == "node.name names the record and cannot be changed");
  CHECK(update_node_value(r, "node.bogus", "1") == "Cannot modify node.bogus. Invalid param name.");
  CHECK(update_node_value(r, "node.session.auth.username", "a\nb").size() > 0);
  // Nothing refused was written.
  CHECK(r.get("node.name") == "iqn.2024-01.org.example:disk");
  CHECK(r.get("node.startup") == "automatic");
  CHECK(!r.contains("node.bogus"));
}

TEST_CASE("complete_node_record keeps values and foreign keys and adds what is missing") {
  Record r = *parse_record(kOpenIscsiRecord).record;
  complete_node_record(r);
  CHECK(r.get("node.startup") == "automatic");
  CHECK(r.get("node.conn[0].timeo.login_timeout") == "15");
  CHECK(r.contains("iface.net_ifacename"));
  CHECK(r.entries().front().first == "node.name");
}

TEST_CASE("portal directory names split from the right, IPv6 included") {
  CHECK(portal_directory_name(Portal{"127.0.0.1", 3260}, 1) == "127.0.0.1,3260,1");
  const auto v6 = parse_portal_directory_name("fe80::1,3261,-1");
  REQUIRE(v6);
  CHECK(v6->portal.host == "fe80::1");
  CHECK(v6->portal.port == 3261);
  CHECK(v6->tpgt == -1);
  CHECK_FALSE(parse_portal_directory_name("127.0.0.1,3260"));
  CHECK_FALSE(parse_portal_directory_name("127.0.0.1,0,1"));
  CHECK_FALSE(parse_portal_directory_name("127.0.0.1,3260,x"));
  CHECK_FALSE(parse_portal_directory_name(",3260,1"));
  CHECK_FALSE(valid_target_name(".."));
  CHECK_FALSE(valid_target_name("a/b"));
  CHECK(valid_target_name("iqn.2024-01.org.example:disk"));
}

TEST_CASE("NodeDb writes, lists, reads and deletes nodes in open-iscsi's layout") {
  TempDir dir;
  const NodeDb db(dir.path);
  const NodeKey key{"iqn.2024-01.org.example:disk", Portal{"127.0.0.1", 3260}, 1};
  std::string error;
  CHECK_FALSE(db.read_node(key, error));
  CHECK(error.empty());

  Record r = default_node_record(key.target, key.portal, key.tpgt);
  REQUIRE(update_node_value(r, "node.session.auth.password", "pw").empty());
  REQUIRE(db.write_node(key, r, error));
  const fs::path file = dir.path / "nodes/iqn.2024-01.org.example:disk/127.0.0.1,3260,1/default";
  CHECK(fs::is_regular_file(file));
  CHECK((fs::status(file).permissions() & fs::perms::group_read) == fs::perms::none);
  CHECK_FALSE(fs::exists(file.string() + ".tmp"));

  const auto back = db.read_node(key, error);
  REQUIRE(back);
  CHECK(*back == r);

  std::vector<std::string> problems;
  fs::create_directories(dir.path / "nodes/iqn.x/not-a-portal");
  const auto keys = db.list_nodes(problems);
  REQUIRE(keys.size() == 1);
  CHECK(keys[0] == key);
  CHECK(problems.size() == 1);

  // A damaged record is reported, not half-read.
  { std::ofstream(file) << "node.name = x\ngarbage\n"; }
  CHECK_FALSE(db.read_node(key, error));
  CHECK(error.find("line 2") != std::string::npos);

  // Path traversal through the name is refused.
  CHECK_FALSE(db.write_node(NodeKey{"..", key.portal, 1}, r, error));
  CHECK_FALSE(db.read_node(NodeKey{"a/../../etc", key.portal, 1}, error));

  REQUIRE(db.delete_node(key, error));
  CHECK_FALSE(fs::exists(file));
  CHECK_FALSE(fs::exists(dir.path / "nodes/iqn.2024-01.org.example:disk"));
}

TEST_CASE("discovery records and their links to the nodes they found") {
  TempDir dir;
  const NodeDb db(dir.path);
  const Portal portal{"127.0.0.1", 3260};
  std::string error;
  Record st = default_discovery_record(portal);
  REQUIRE(update_discovery_value(st, "discovery.sendtargets.auth.authmethod", "CHAP").empty());
  CHECK(update_discovery_value(st, "discovery.sendtargets.auth.authmethod", "KRB5").size() > 0);
  REQUIRE(db.write_discovery(portal, st, error));
  CHECK(fs::is_regular_file(dir.path / "send_targets/127.0.0.1,3260/st_config"));
  REQUIRE(*db.read_discovery(portal, error) == st);

  const NodeKey key{"iqn.2024-01.org.example:disk", portal, 1};
  REQUIRE(db.write_node(key, default_node_record(key.target, key.portal, key.tpgt), error));
  REQUIRE(db.link_discovered(portal, key, error));
  const auto found = db.discovered_nodes(portal);
  REQUIRE(found.size() == 1);
  CHECK(found[0] == key);
  std::vector<std::string> problems;
  CHECK(db.list_discovery(problems) == std::vector<Portal>{portal});

  REQUIRE(db.delete_node(key, error));
  CHECK(db.discovered_nodes(portal).empty());
  REQUIRE(db.delete_discovery(portal, error));
  CHECK(db.list_discovery(problems).empty());
}

TEST_CASE("node records become session settings") {
  Record r = *parse_record(kOpenIscsiRecord).record;
  complete_node_record(r);
  auto result = node_session_settings(r, "iqn.2024-01.org.uiscsi:me");
  REQUIRE(result.settings);
  const SessionConfig& c = result.settings->config;
  CHECK(c.initiator_name == "iqn.2024-01.org.uiscsi:me");
  CHECK(c.target_name == "iqn.2003-01.org.linux-iscsi.host:sn.1234");
  CHECK(c.portal == Portal{"192.0.2.10", 3261});
  REQUIRE(c.chap);
  CHECK(c.chap->user == "alice");
  CHECK_FALSE(c.chap->mutual());
  CHECK(c.chap->algorithms ==
        std::vector<uiscsi::iscsi::ChapAlgorithm>{uiscsi::iscsi::ChapAlgorithm::sha256,
                                                  uiscsi::iscsi::ChapAlgorithm::md5});
  CHECK(c.negotiation.header_digests ==
        std::vector<uiscsi::iscsi::DigestType>{uiscsi::iscsi::DigestType::crc32c, uiscsi::iscsi::DigestType::none});
  CHECK(c.timeouts.replacement == std::chrono::seconds(7));
  CHECK(result.settings->policy == uiscsi::offload::Policy::tcp);

  REQUIRE(update_node_value(r, "iface.initiatorname", "iqn.2024-01.org.uiscsi:other").empty());
  REQUIRE(update_node_value(r, "node.session.auth.username_in", "target").empty());
  REQUIRE(update_node_value(r, "node.session.auth.password_in", "target-secret").empty());
  REQUIRE(update_node_value(r, "node.conn[0].offload", "auto").empty());
  result = node_session_settings(r, "iqn.2024-01.org.uiscsi:me");
  REQUIRE(result.settings);
  CHECK(result.settings->config.initiator_name == "iqn.2024-01.org.uiscsi:other");
  CHECK(result.settings->config.chap->mutual());
  CHECK(result.settings->policy == uiscsi::offload::Policy::auto_);

  // CHAP without a password, and a mutual secret equal to ours, are refused.
  Record bad = r;
  bad.set("node.session.auth.password", "");
  CHECK(node_session_settings(bad, "iqn.x").error ==
        "node.session.auth.authmethod = CHAP needs node.session.auth.username and node.session.auth.password");
  bad = r;
  bad.set("node.session.auth.password_in", "s3cret-pass");
  CHECK(node_session_settings(bad, "iqn.x").error.find("must differ") != std::string::npos);
  bad = r;
  bad.set("node.conn[0].iscsi.DataDigest", "MD5");
  CHECK(node_session_settings(bad, "iqn.x").error.find("node.conn[0].iscsi.DataDigest") == 0);
}

TEST_CASE("discovery records become discovery session settings") {
  Record st = default_discovery_record(Portal{"127.0.0.1", 3270});
  auto result = discovery_session_settings(st, "iqn.2024-01.org.uiscsi:me");
  REQUIRE(result.settings);
  CHECK(result.settings->config.session_type == uiscsi::iscsi::SessionType::discovery);
  CHECK(result.settings->config.portal.port == 3270);
  CHECK_FALSE(result.settings->config.chap);
  REQUIRE(update_discovery_value(st, "discovery.sendtargets.auth.authmethod", "CHAP").empty());
  CHECK(discovery_session_settings(st, "iqn.x").error.find("needs") != std::string::npos);
}
