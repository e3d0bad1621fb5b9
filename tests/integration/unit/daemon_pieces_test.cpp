// The embedded default, --listen, --check-config and the start-up banner.
#include <catch2/catch.hpp>

#include <fstream>
#include <random>
#include <sstream>

#include "target/config/configuration_source.h"
#include "target/config/embedded_default.h"
#include "target/control/banner.h"

using namespace uiscsi;
using namespace uiscsi::target;
using namespace uiscsi::target::config;

namespace {

struct TempDir {
  TempDir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() / ("uiscsi-cfg-" + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return path / name;
  }
  std::filesystem::path path;
};

}  // namespace

TEST_CASE("the embedded default: one target, 1 GiB LUN 0, 127.0.0.1:3260, no auth", "[config][default]") {
  const auto config = embedded_default("/srv/data");
  REQUIRE(config.targets.size() == 1);
  const auto& target = config.targets[0];
  CHECK(target.name == "iqn.2026-11.org.uiscsi:default");
  REQUIRE(target.luns.size() == 1);
  CHECK(target.luns[0].number == 0);
  CHECK(target.luns[0].backend.kind == BackendKind::file);
  CHECK(target.luns[0].backend.path == "/srv/data/lun0.img");
  CHECK(target.luns[0].backend.size_bytes == std::uint64_t{1} << 30);
  REQUIRE(target.portal_groups.size() == 1);
  CHECK(target.portal_groups[0].portals ==
        std::vector<iscsit::Portal>{{"127.0.0.1", 3260, offload::Policy::auto_}});
  CHECK_FALSE(target.chap.initiator);
  CHECK(target.allowed_initiators.empty());
  CHECK(iscsit::validate(config).empty());
}

TEST_CASE("use_portals (--listen) replaces the portals of every target", "[config][default]") {
  ConfigurationSource source;
  source.listen = {{"127.0.0.1", 0, offload::Policy::auto_}, {"::1", 3262, offload::Policy::tcp}};
  const auto result = source.load();
  REQUIRE(result.config);
  const auto& groups = result.config->targets[0].portal_groups;
  REQUIRE(groups.size() == 1);
  CHECK(groups[0].tag == 1);
  CHECK(groups[0].portals == source.listen);
}

TEST_CASE("check_config (--check-config) prints every finding and a verdict", "[config][check]") {
  TempDir dir;
  SECTION("a good file") {
    const auto file = dir.write("good.toml",
                                "[[target]]\nname = \"iqn.2026-11.org.example:t\"\n"
                                "portals = [\"127.0.0.1:3260\"]\n[[target.lun]]\nnumber = 0\n"
                                "backend = \"file\"\npath = \"disk.img\"\nsize = \"1M\"\n"
                                "[target.chap]\nusername = \"u\"\nsecret = \"long-secret-of-twenty\"\n");
    std::ostringstream out;
    CHECK(check_config({file, {}, "unused"}, out));
    CHECK(out.str() == file.string() + ":11:10: warning: target.chap.secret: the secret is 21 bytes long; "
                                       "some initiators accept only 12 to 16 bytes\n" +
                           file.string() + ": OK, 1 target, 1 LUN, 1 portal (1 warning)\n");
    CHECK_FALSE(std::filesystem::exists(dir.path / "disk.img"));  // checking creates nothing
  }
  SECTION("a bad file") {
    const auto file = dir.write("bad.toml",
                                "[[target]]\nname = \"iqn.2026-11.org.example:t\"\n"
                                "portals = [\"127.0.0.1:3260\"]\n[[target.lun]]\nnumber = 0\n"
                                "backend = \"floppy\"\n");
    std::ostringstream out;
    CHECK_FALSE(check_config({file, {}, "unused"}, out));
    CHECK(out.str() == file.string() + ":6:11: error: target.lun.backend: unknown backend kind 'floppy'; "
                                       "use \"file\", \"ram\" or \"raid\"\n" +
                           file.string() + ": 1 error\n");
  }
  SECTION("a file that is not there") {
    std::ostringstream out;
    CHECK_FALSE(check_config({dir.path / "missing.toml", {}, "unused"}, out));
    CHECK_THAT(out.str(), Catch::Contains("missing.toml: error: cannot open: No such file or directory"));
  }
  SECTION("the embedded default") {
    std::ostringstream out;
    CHECK(check_config({std::nullopt, {}, dir.path / "data"}, out));
    CHECK(out.str() == "(embedded default): OK, 1 target, 1 LUN, 1 portal\n");
  }
}

TEST_CASE("the banner says what is served and how to connect", "[control][banner]") {
  auto config = embedded_default("uiscsi-data");
  use_portals(config, {{"127.0.0.1", 0, offload::Policy::auto_}});
  control::BannerFacts facts;
  facts.version = "0.1.0";
  facts.listening = {*offload::SocketAddress::ip("127.0.0.1", 41234)};
  facts.created_files = {"uiscsi-data/lun0.img"};
  facts.control_socket = "/run/uiscsi/uiscsi-target.sock";
  const std::string text = control::banner(config, facts);
  INFO(text);
  CHECK(text.starts_with("uiscsi-target 0.1.0: serving 1 target\n"));
  CHECK_THAT(text, Catch::Contains("LUN 0: file uiscsi-data/lun0.img, 1 GiB, 512-byte blocks (created, sparse)"));
  CHECK_THAT(text, Catch::Contains("portal group 1: 127.0.0.1:41234\n"));  // the real port
  CHECK_THAT(text, Catch::Contains("iscsiadm -m discovery -t st -p 127.0.0.1:41234\n"));
  CHECK_THAT(text, Catch::Contains("iscsiadm -m node -T iqn.2026-11.org.uiscsi:default -p 127.0.0.1:41234 --login\n"));
  CHECK_THAT(text, Catch::Contains("iscsi-ls -s iscsi://127.0.0.1:41234\n"));
  CHECK_THAT(text, Catch::Contains("initiators: any; authentication: none"));
  CHECK_THAT(text, Catch::Contains("--socket /run/uiscsi/uiscsi-target.sock"));
}

TEST_CASE("effective_portal keeps configured ports and finds ephemeral ones", "[control][banner]") {
  const std::vector<offload::SocketAddress> listening = {*offload::SocketAddress::ip("::1", 5000),
                                                         *offload::SocketAddress::ip("127.0.0.1", 6000)};
  CHECK(control::effective_portal({"127.0.0.1", 3260, offload::Policy::auto_}, listening) == "127.0.0.1:3260");
  CHECK(control::effective_portal({"127.0.0.1", 0, offload::Policy::auto_}, listening) == "127.0.0.1:6000");
  CHECK(control::effective_portal({"::1", 0, offload::Policy::auto_}, listening) == "[::1]:5000");
  CHECK(control::effective_portal({"10.0.0.1", 0, offload::Policy::auto_}, listening) == "10.0.0.1:0");
}
