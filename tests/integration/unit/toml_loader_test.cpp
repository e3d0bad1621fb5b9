// The configuration loader: what it builds, and every problem it must point at.
#include <fstream>

#include "config_test_support.h"
#include "target/config/diagnostic.h"

using namespace uiscsi::target;
using namespace uiscsi::target::config;
using namespace uiscsi::target::config::testing;

namespace {

// Expects an error (or warning) containing `fragment` on the line of `marker`.
void expect_finding(std::string_view text, std::string_view fragment, std::string_view marker,
                    Severity severity = Severity::error) {
  const LoadResult result = parse(text);
  INFO(all_messages(result));
  const Diagnostic* d = find(result, fragment);
  REQUIRE(d != nullptr);
  CHECK(d->severity == severity);
  CHECK(d->where.line == line_of(text, marker));
  CHECK(d->where.column > 0);
  if (severity == Severity::error) CHECK_FALSE(result.config);
}

}  // namespace

TEST_CASE("the minimal configuration loads", "[config][loader]") {
  const LoadResult result = parse(kMinimal);
  INFO(all_messages(result));
  REQUIRE(result.config);
  CHECK(result.diagnostics.empty());
  const auto& config = *result.config;
  REQUIRE(config.targets.size() == 1);
  const auto& target = config.targets[0];
  CHECK(target.name == "iqn.2026-11.org.example:t");
  REQUIRE(target.portal_groups.size() == 1);
  CHECK(target.portal_groups[0].tag == 1);
  REQUIRE(target.portal_groups[0].portals.size() == 1);
  CHECK(target.portal_groups[0].portals[0] ==
        iscsit::Portal{"127.0.0.1", 3260, uiscsi::offload::Policy::auto_});
  REQUIRE(target.luns.size() == 1);
  CHECK(target.luns[0].backend.kind == BackendKind::ram);
  CHECK(target.luns[0].backend.size_bytes == 1u << 20);
  CHECK(target.luns[0].unit.pr_state_file.empty());  // nothing persists for ram
  CHECK_FALSE(target.chap.initiator);
  CHECK(target.allowed_initiators.empty());
  CHECK(target.limits == iscsit::NegotiationLimits{});
}

TEST_CASE("the shipped example loads with every section", "[config][loader][example]") {
  const std::filesystem::path file = std::filesystem::path(UISCSI_SOURCE_DIR) / "docs/target.example.toml";
  const LoadResult result = load_config_file(file);
  INFO(all_messages(result));
  REQUIRE(result.config);
  CHECK_FALSE(has_errors(result.diagnostics));
  const auto& config = *result.config;
  CHECK(config.login_timeout == std::chrono::seconds(15));
  CHECK(config.discovery.enabled);
  REQUIRE(config.discovery.chap.initiator);
  CHECK(config.discovery.chap.initiator->username == "discovery");
  CHECK(config.discovery.chap.algorithms == std::vector<std::uint8_t>{7, 5});
  CHECK(config.discovery.nop.interval == std::chrono::seconds(5));

  REQUIRE(config.targets.size() == 2);
  const auto& disk = config.targets[0];
  CHECK(disk.name == "iqn.2026-11.org.example:storage.disk1");
  CHECK(disk.alias == "disk1");
  CHECK(disk.offload == uiscsi::offload::Policy::tcp);
  CHECK(disk.allowed_initiators.size() == 2);
  REQUIRE(disk.portal_groups.size() == 1);
  const auto& portals = disk.portal_groups[0].portals;
  REQUIRE(portals.size() == 2);
  CHECK(portals[0] == iscsit::Portal{"127.0.0.1", 3260, uiscsi::offload::Policy::auto_});
  CHECK(portals[1] == iscsit::Portal{"::1", 3260, uiscsi::offload::Policy::tcp});
  REQUIRE(disk.luns.size() == 2);
  const auto& lun0 = disk.luns[0];
  CHECK(lun0.backend.kind == BackendKind::file);
  // Relative to the file's directory.
  CHECK(lun0.backend.path == std::filesystem::absolute(file).parent_path() / "disk1-lun0.img");
  CHECK(lun0.backend.size_bytes == 1u << 30);
  CHECK(lun0.unit.serial == "disk1-lun0");
  CHECK(lun0.unit.pr_state_file == std::filesystem::absolute(file).parent_path() / "disk1-lun0.img.pr");
  CHECK(disk.luns[1].backend.block_size == 4096);
  REQUIRE(disk.chap.initiator);
  REQUIRE(disk.chap.mutual);
  CHECK(disk.chap.mutual->username == "disk1-target");
  CHECK(disk.chap.algorithms == std::vector<std::uint8_t>{8, 7, 6, 5});
  CHECK(disk.limits.max_burst_length == 1u << 20);
  CHECK(disk.limits.max_connections == 4);
  CHECK(disk.limits.header_digests ==
        std::vector<uiscsi::iscsi::DigestType>{uiscsi::iscsi::DigestType::none,
                                              uiscsi::iscsi::DigestType::crc32c});
  CHECK(config.targets[1].portal_groups.size() == 1);
  CHECK(config.targets[1].luns[0].backend.size_bytes == 64u << 20);
}

TEST_CASE("syntax errors carry toml++'s line and column", "[config][loader]") {
  const std::string text = std::string(kMinimal) + "block_size = \n";
  const LoadResult result = parse(text);
  REQUIRE(result.diagnostics.size() == 1);
  CHECK(result.diagnostics[0].where.line == line_of(text, "block_size"));
  CHECK_FALSE(result.config);
  CHECK_THAT(format(result.diagnostics[0], "x.toml"),
             Catch::StartsWith("x.toml:" + std::to_string(line_of(text, "block_size")) + ":"));
}

TEST_CASE("semantic errors point at their line", "[config][loader]") {
  const std::string base(kMinimal);
  SECTION("unknown key (a typo)") {
    expect_finding(base + "sise = \"2M\"\n", "unknown key 'target.lun.sise'", "sise");
  }
  SECTION("wrong type") {
    const std::string text = "[[target]]\nname = 42\n";
    expect_finding(text, "target.name: expected a string, found an integer", "name");
  }
  SECTION("duplicate LUN") {
    const std::string text = base + "\n[[target.lun]]\nnumber = 0 # again\nbackend = \"ram\"\nsize = 4096\n";
    expect_finding(text, "LUN 0 of iqn.2026-11.org.example:t is already defined at line 6", "0 # again");
  }
  SECTION("unknown backend kind") {
    std::string text = base;
    text.replace(text.find("\"ram\""), 5, "\"nvme\"");
    expect_finding(text, "unknown backend kind 'nvme'", "nvme");
  }
  SECTION("file backend without a path") {
    std::string text = base;
    text.replace(text.find("\"ram\""), 5, "\"file\"");
    expect_finding(text, "target.lun.path is missing", "[[target.lun]]");
  }
  SECTION("file that neither exists nor has a size") {
    const std::string text = base + "[[target.lun]]\nnumber = 1\nbackend = \"file\"\npath = \"no-such-uiscsi-file.img\"\n";
    expect_finding(text, "does not exist; give 'size'", "no-such-uiscsi-file");
  }
  SECTION("file in a directory that does not exist") {
    const std::string text = base + "[[target.lun]]\nnumber = 1\nbackend = \"file\"\npath = \"no/such/dir/x.img\"\nsize = \"1M\"\n";
    expect_finding(text, "does not exist", "no/such/dir");
  }
  SECTION("ram backend with a path") {
    expect_finding(base + "path = \"x.img\"\n", "a ram backend has no file", "x.img");
  }
  SECTION("ram backend without a size") {
    const std::string text = base + "[[target.lun]]\nnumber = 1\nbackend = \"ram\"\n";
    expect_finding(text, "a ram backend needs its capacity", "[[target.lun]]\nnumber = 1");
  }
  SECTION("block size not a power of two") {
    expect_finding(base + "block_size = 1000\n", "not a power of two", "block_size");
  }
  SECTION("size not a whole number of blocks") {
    std::string text = base;
    text.replace(text.find("\"1M\""), 4, "1000");
    expect_finding(text, "not a whole number of 512-byte blocks", "size = 1000");
  }
  SECTION("bad IQN") {
    std::string text = base;
    text.replace(text.find("2026-11"), 7, "2026-13");
    expect_finding(text, "a date yyyy-mm", "name =");
  }
  SECTION("duplicate target name, compared normalized") {
    const std::string text = base + "\n[[target]]\nname = \"IQN.2026-11.org.example:T\"\nportals = [\"127.0.0.1:3261\"]\n";
    expect_finding(text, "is already defined at line 2", "IQN.");
  }
  SECTION("bad initiator name in the ACL") {
    const std::string text = "[[target]]\nallowed_initiators = [\"iqn.bad\"]\n" + base.substr(base.find("name"));
    expect_finding(text, "allowed_initiators: 'iqn.bad'", "iqn.bad");
  }
  SECTION("empty ACL") {
    const std::string text = "[[target]]\nallowed_initiators = []\n" + base.substr(base.find("name"));
    expect_finding(text, "remove the key to allow every initiator", "allowed_initiators");
  }
  SECTION("bad portal") {
    std::string text = base;
    text.replace(text.find("127.0.0.1:3260"), 14, "127.0.0.1:99999");
    expect_finding(text, "0 to 65535", "99999");
  }
  SECTION("duplicate TPGT") {
    const std::string text =
        "[[target]]\nname = \"iqn.2026-11.org.example:t\"\n"
        "[[target.portal_group]]\ntag = 1\nportals = [\"127.0.0.1:3260\"]\n"
        "[[target.portal_group]]\ntag = 1 # again\nportals = [\"127.0.0.1:3261\"]\n";
    expect_finding(text, "tag 1 is already used at line 4", "1 # again");
  }
  SECTION("portals and portal groups together") {
    const std::string text = base + "[[target.portal_group]]\ntag = 2\nportals = [\"127.0.0.1:3261\"]\n";
    expect_finding(text, "cannot be combined", "portals = [\"127.0.0.1:3260");
  }
  SECTION("target without portals") {
    std::string text = base;
    text.erase(text.find("portals"), text.find('\n', text.find("portals")) - text.find("portals") + 1);
    expect_finding(text, "has no portal", "[[target]]");
  }
  SECTION("unknown offload policy") {
    const std::string text = "[[target]]\noffload = \"rdma\"\n" + base.substr(base.find("name"));
    expect_finding(text, "'rdma' is not a data path", "rdma");
  }
  SECTION("FirstBurstLength above MaxBurstLength") {
    const std::string text = base + "[target.limits]\nMaxBurstLength = 65536\nFirstBurstLength = \"128K\"\n";
    expect_finding(text, "exceeds MaxBurstLength", "FirstBurstLength");
  }
  SECTION("limit out of range") {
    expect_finding(base + "[target.limits]\nMaxRecvDataSegmentLength = 256\n", "is outside 512..16777215",
                   "MaxRecvDataSegmentLength");
  }
  SECTION("unknown digest") {
    expect_finding(base + "[target.limits]\nDataDigest = [\"CRC32C\", \"MD5\"]\n", "'MD5' is not a digest",
                   "DataDigest");
  }
  SECTION("login timeout out of range") {
    expect_finding("login_timeout = 0\n" + base, "login_timeout: 0 is outside 1..3600", "login_timeout");
  }
  SECTION("NOP timeout of 0") {
    expect_finding(base + "[target.nop]\ninterval = 5\ntimeout = 0\n", "target.nop.timeout: 0 is outside",
                   "timeout");
  }
}

TEST_CASE("CHAP secrets follow RFC 7143 9.2.1", "[config][loader][chap]") {
  const std::string base(kMinimal);
  SECTION("a secret shorter than 12 bytes is an error") {
    expect_finding(base + "[target.chap]\nusername = \"u\"\nsecret = \"short\"\n",
                   "the secret is 5 bytes long; RFC 7143 9.2.1 requires at least 12", "short");
  }
  SECTION("a secret longer than 16 bytes is a warning, and the file still loads") {
    const std::string text = base + "[target.chap]\nusername = \"u\"\nsecret = \"a-rather-long-secret\"\n";
    expect_finding(text, "some initiators accept only 12 to 16", "a-rather-long", Severity::warning);
    const auto result = parse(text);
    REQUIRE(result.config);
    REQUIRE(result.config->targets[0].chap.initiator);
    CHECK(result.config->targets[0].chap.initiator->secret == "a-rather-long-secret");
  }
  SECTION("12 to 16 bytes pass without a word") {
    const auto result = parse(base + "[target.chap]\nusername = \"u\"\nsecret = \"exactly12byt\"\n");
    CHECK(result.diagnostics.empty());
    REQUIRE(result.config);
  }
  SECTION("the mutual secret may not equal the one-way secret") {
    const std::string text = base +
                             "[target.chap]\nusername = \"u\"\nsecret = \"same-secret-1\"\n"
                             "[target.chap.mutual]\nusername = \"t\"\nsecret = \"same-secret-1\" # mutual\n";
    expect_finding(text, "forbids using a CHAP secret in both directions", "# mutual");
    CHECK(find(parse(text), "line " + std::to_string(line_of(text, "same-secret-1"))) != nullptr);
  }
  SECTION("nor any secret that authenticates initiators elsewhere") {
    const std::string text = base +
                             "[target.chap]\nusername = \"u\"\nsecret = \"one-way-secret\"\n"
                             "[discovery.chap]\nusername = \"d\"\nsecret = \"discovery-sec\"\n"
                             "[discovery.chap.mutual]\nusername = \"t\"\nsecret = \"one-way-secret\" # here\n";
    expect_finding(text, "target.chap.secret, line", "# here");
  }
  SECTION("mutual CHAP without one-way CHAP") {
    expect_finding(base + "[target.chap.mutual]\nusername = \"t\"\nsecret = \"mutual-secret\"\n",
                   "needs target.chap.username and target.chap.secret too", "[target.chap.mutual]");
  }
  SECTION("missing username") {
    expect_finding(base + "[target.chap]\nsecret = \"twelve-bytes\"\n", "target.chap.username is missing",
                   "[target.chap]");
  }
  SECTION("unknown algorithm") {
    expect_finding(base + "[target.chap]\nusername = \"u\"\nsecret = \"twelve-bytes\"\nalgorithms = [\"MD4\"]\n",
                   "unknown CHAP algorithm", "MD4");
  }
  SECTION("algorithms by number") {
    const auto result =
        parse(base + "[target.chap]\nusername = \"u\"\nsecret = \"twelve-bytes\"\nalgorithms = [5, \"SHA-1\"]\n");
    REQUIRE(result.config);
    CHECK(result.config->targets[0].chap.algorithms == std::vector<std::uint8_t>{5, 6});
  }
}

TEST_CASE("a file without targets, and one without portals given --listen", "[config][loader]") {
  const auto empty = parse("login_timeout = 10\n");
  CHECK_FALSE(empty.config);
  REQUIRE(find(empty, "no [[target]] is defined"));
  CHECK(find(empty, "no [[target]] is defined")->where.line == 0);

  std::string text(kMinimal);
  text.erase(text.find("portals"), text.find('\n', text.find("portals")) - text.find("portals") + 1);
  CHECK_FALSE(parse(text).config);
  const std::vector<iscsit::Portal> portals{{"127.0.0.1", 0, uiscsi::offload::Policy::tcp}};
  const auto listen = parse(text, portals);
  INFO(all_messages(listen));
  REQUIRE(listen.config);
  CHECK(listen.config->targets[0].portal_groups ==
        std::vector<iscsit::PortalGroup>{{1, portals}});
}

TEST_CASE("every problem of a file is reported in one run, in file order", "[config][loader]") {
  const std::string text =
      "[[target]]\nname = \"bad\"\nportals = [\"nowhere\"]\n"
      "[[target.lun]]\nnumber = 99999\nbackend = \"tape\"\ncolour = \"red\"\n";
  const auto result = parse(text);
  INFO(all_messages(result));
  CHECK(result.diagnostics.size() >= 5);
  for (std::size_t i = 1; i < result.diagnostics.size(); ++i) {
    CHECK(result.diagnostics[i - 1].where.line <= result.diagnostics[i].where.line);
  }
}

TEST_CASE("a truncated example never crashes the loader", "[config][loader][example]") {
  // Cutting the file at every byte gives syntax errors, semantic errors or a smaller valid
  // file; whichever, the loader answers with diagnostics and never misbehaves.
  std::ifstream in(std::filesystem::path(UISCSI_SOURCE_DIR) / "docs/target.example.toml");
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  REQUIRE(text.size() > 1000);
  const auto base = std::filesystem::path(UISCSI_SOURCE_DIR) / "docs";
  std::size_t loaded = 0;
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    const auto result = parse(std::string_view(text).substr(0, cut), {}, base);
    if (result.config) {
      ++loaded;
      CHECK_FALSE(has_errors(result.diagnostics));
    } else {
      CHECK(has_errors(result.diagnostics));
    }
  }
  CHECK(loaded > 0);  // at least the whole file
}
