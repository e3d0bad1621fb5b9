// A raid LUN in the configuration: its members are checked by their superblocks, and every
// problem is reported at the line of the member it is about.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "config_test_support.h"
#include "target/backend/raid/member_files.h"
#include "target/backend/raid/raid_backend.h"
#include "target/config/diagnostic.h"

using namespace uiscsi::target;
using namespace uiscsi::target::config;
using namespace uiscsi::target::config::testing;

namespace {

struct VolumeDir {
  VolumeDir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() / ("uiscsi-raidcfg-" + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~VolumeDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::filesystem::path path;
};

// A closed RAID-5 volume on `names` (4 MiB sparse files each) in `dir`.
void create_volume(const std::filesystem::path& dir, const std::vector<std::string>& names) {
  std::vector<raid::MemberDevice> members;
  for (const auto& n : names) {
    std::error_code ec;
    auto file = raid::open_member_file(dir / n, 4 << 20, 512, ec);
    REQUIRE(file);
    members.push_back({n, std::move(file)});
  }
  raid::CreateOptions options;
  options.level = raid::Level::raid5;
  options.raid_devices = static_cast<std::uint32_t>(names.size());
  options.chunk_bytes = 64 * 1024;
  std::error_code ec;
  auto volume = raid::RaidBackend::create(std::move(members), options, {}, ec);
  REQUIRE(volume);
  REQUIRE_FALSE(volume->close());
}

std::unique_ptr<raid::RaidBackend> assemble(const std::filesystem::path& dir, const std::vector<std::string>& names) {
  std::vector<std::filesystem::path> paths;
  for (const auto& n : names) paths.push_back(dir / n);
  std::vector<std::string> messages;
  std::error_code ec;
  auto volume = raid::assemble_member_files(paths, {}, messages, ec);
  INFO(ec.message());
  REQUIRE(volume);
  return volume;
}

std::string raid_lun(const std::vector<std::string>& members, const std::string& extra = "") {
  std::string text = std::string(kMinimal.substr(0, kMinimal.find("[[target.lun]]"))) +
                     "[[target.lun]]\nnumber = 0\nbackend = \"raid\"\n" + extra + "members = [\n";
  for (const auto& m : members) text += "  \"" + m + "\",\n";
  return text + "]\n";
}

const Diagnostic& finding(const LoadResult& result, std::string_view fragment) {
  INFO(all_messages(result));
  const Diagnostic* d = find(result, fragment);
  REQUIRE(d != nullptr);
  return *d;
}

}  // namespace

TEST_CASE("a raid LUN names its members; the rest comes from their superblocks", "[config][raid]") {
  VolumeDir dir;
  create_volume(dir.path, {"m0", "m1", "m2", "m3"});
  const std::string text = raid_lun({"m2", "m0", "m3", "m1"}, "rebuild_rate = 40\n");
  const LoadResult result = parse(text, {}, dir.path);
  INFO(all_messages(result));
  REQUIRE(result.config);
  CHECK(result.diagnostics.empty());
  const auto& lun = result.config->targets[0].luns[0];
  CHECK(lun.backend.kind == BackendKind::raid);
  CHECK(lun.backend.raid.members ==
        std::vector<std::filesystem::path>{dir.path / "m2", dir.path / "m0", dir.path / "m3", dir.path / "m1"});
  CHECK(lun.backend.raid.rebuild_mb_per_s == 40);
  CHECK_FALSE(lun.backend.raid.force);
  CHECK(lun.backend.block_size == 512);
  CHECK(lun.unit.pr_state_file.empty());  // members move and get replaced: no default

  // The factory assembles it, in any order, with the capacity of three data members.
  std::error_code ec;
  auto backend = make_backend(lun.backend, ec);
  REQUIRE(backend);
  CHECK(backend->geometry().block_count * 512 == 3 * 3 * 1024 * 1024);  // 3 MiB data per member
  // While it runs its members are locked: nobody else assembles them...
  CHECK_FALSE(raid::open_member_file(dir.path / "m0", 0, 512, ec));
  CHECK(ec == std::errc::device_or_resource_busy);
  // ...and the configuration still checks (a running volume is dirty: not news).
  const LoadResult again = parse(text, {}, dir.path);
  INFO(all_messages(again));
  CHECK(again.config);
}

TEST_CASE("raid member problems are reported at the member's line", "[config][raid]") {
  VolumeDir dir;
  create_volume(dir.path, {"a0", "a1", "a2"});
  create_volume(dir.path, {"b0", "b1", "b2"});

  SECTION("a member of another volume") {
    const std::string text = raid_lun({"a0", "a1", "b2"});
    const LoadResult result = parse(text, {}, dir.path);
    CHECK_FALSE(result.config);
    const Diagnostic& d = finding(result, "belongs to volume");
    CHECK(d.severity == Severity::error);
    CHECK(d.where.line == line_of(text, "\"b2\""));
    CHECK(d.message.find("b2") != std::string::npos);
  }
  SECTION("a missing file") {
    const std::string text = raid_lun({"a0", "a1", "gone"});
    const LoadResult result = parse(text, {}, dir.path);
    CHECK_FALSE(result.config);
    const Diagnostic& d = finding(result, "does not exist");
    CHECK(d.severity == Severity::error);
    CHECK(d.where.line == line_of(text, "\"gone\""));
  }
  SECTION("a file that is no member") {
    std::error_code ec;
    REQUIRE(raid::open_member_file(dir.path / "blank", 4 << 20, 512, ec));
    const std::string text = raid_lun({"a0", "blank", "a2"});
    const LoadResult result = parse(text, {}, dir.path);
    CHECK_FALSE(result.config);
    CHECK(finding(result, "no uiscsi RAID superblock").where.line == line_of(text, "\"blank\""));
  }
  SECTION("the same file twice") {
    const std::string text = raid_lun({"a0", "a1", "a2", "./a1"});
    const LoadResult result = parse(text, {}, dir.path);
    CHECK_FALSE(result.config);
    CHECK(finding(result, "is the same file as").where.line == line_of(text, "\"./a1\""));
  }
  SECTION("a stale member is left out: the volume runs degraded (a warning)") {
    {
      auto volume = assemble(dir.path, {"a0", "a1", "a2"});
      REQUIRE_FALSE(volume->fail_member(1));
      REQUIRE_FALSE(volume->close());
    }
    const std::string text = raid_lun({"a0", "a1", "a2"});
    const LoadResult result = parse(text, {}, dir.path);
    INFO(all_messages(result));
    CHECK(result.config);
    const Diagnostic& d = finding(result, "stale");
    CHECK(d.severity == Severity::warning);
    CHECK(d.where.line == line_of(text, "\"a1\""));
  }
  SECTION("two members gone from RAID-5: it cannot start") {
    const std::string text = raid_lun({"a0"});
    const LoadResult result = parse(text, {}, dir.path);
    CHECK_FALSE(result.config);
    CHECK(finding(result, "too many members missing").where.line == line_of(text, "members = ["));
  }
  SECTION("keys a raid volume takes from its superblocks") {
    const std::string text = raid_lun({"a0", "a1", "a2"}, "size = \"1G\"\nblock_size = 4096\n");
    const LoadResult result = parse(text, {}, dir.path);
    CHECK_FALSE(result.config);
    CHECK(finding(result, "target.lun.size: a raid volume's size").where.line == line_of(text, "size ="));
    CHECK(finding(result, "target.lun.block_size: a raid volume's block size").where.line ==
          line_of(text, "block_size ="));
  }
  SECTION("no members") {
    const std::string text = std::string(kMinimal.substr(0, kMinimal.find("[[target.lun]]"))) +
                             "[[target.lun]]\nnumber = 0\nbackend = \"raid\"\n";
    const LoadResult result = parse(text, {}, dir.path);
    CHECK_FALSE(result.config);
    CHECK(finding(result, "target.lun.members is missing").where.line == line_of(text, "[[target.lun]]"));
  }
}
