#include <catch2/catch.hpp>

#include <sstream>

#include "backend_test_support.h"
#include "target/backend/raid/cli.h"
#include "target/backend/raid/detail_report.h"

namespace uiscsi::target::raid {
namespace {

CliParse parse(std::initializer_list<std::string_view> args) {
  const std::vector<std::string_view> v(args);
  return parse_cli(v);
}

TEST_CASE("raid cli: parses commands and options", "[raid][cli]") {
  auto p = parse({"create", "--level", "6", "--chunk=128K", "a", "b", "--spare", "s", "c", "d", "--size", "1G"});
  REQUIRE(p.command);
  CHECK(p.command->action == CliAction::create);
  CHECK(p.command->level == Level::raid6);
  CHECK(p.command->chunk_bytes == 128 * 1024);
  CHECK(p.command->size_bytes == 1ull << 30);
  CHECK(p.command->raid_devices == 4);
  CHECK(p.command->files == std::vector<std::string>{"a", "b", "c", "d"});
  CHECK(p.command->spares == std::vector<std::string>{"s"});

  p = parse({"fail", "b.img", "a.img", "b.img"});
  REQUIRE(p.command);
  CHECK(p.command->member == "b.img");
  CHECK(p.command->files.size() == 2);
  p = parse({"scrub", "--repair", "x"});
  REQUIRE(p.command);
  CHECK(p.command->repair);
  p = parse({"add", "--rate", "50", "new", "x", "y"});
  REQUIRE(p.command);
  CHECK(p.command->rate_mb_per_s == 50);
  CHECK(parse_size("3M") == 3u << 20);
  CHECK_FALSE(parse_size("3X"));
  CHECK_FALSE(parse_size("99999999999T"));
}

TEST_CASE("raid cli: bad command lines say what is wrong", "[raid][cli]") {
  auto error_of = [](std::initializer_list<std::string_view> args) {
    const auto p = parse(args);
    CHECK_FALSE(p.command);
    return p.error;
  };
  CHECK(error_of({}) == "no command given (try 'help')");
  CHECK(error_of({"explode"}) == "unknown command 'explode'");
  CHECK(error_of({"create", "a", "b"}) == "create needs --level");
  CHECK(error_of({"create", "--level", "4", "a"}) == "bad value for --level: '4' (0, 1, 5, 6 or 10)");
  CHECK(error_of({"create", "--level", "5", "--raid-devices", "4", "a", "b", "c"}) ==
        "--raid-devices 4 but 3 files given (spares go with --spare)");
  CHECK(error_of({"scrub", "--detail", "a"}) == "option --detail does not apply to 'scrub'");
  CHECK(error_of({"assemble", "--detail=yes", "a"}) == "option --detail takes no value");
  CHECK(error_of({"create", "--level"}) == "option --level needs a value");
  CHECK(error_of({"remove"}) == "which member? (MEMBER FILE...)");
  CHECK(error_of({"rebuild"}) == "no member files given");
  CHECK(error_of({"add", "--rate", "fast", "m", "a"}) == "bad value for --rate: 'fast' (whole MB/s)");
}

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run run(std::initializer_list<std::string> args) {
  std::vector<std::string_view> v(args.begin(), args.end());
  const auto p = parse_cli(v);
  REQUIRE(p.command);
  std::ostringstream out, err;
  const int code = run_cli(*p.command, out, err, false);
  return {code, out.str(), err.str()};
}

bool contains(const std::string& s, const std::string& needle) { return s.find(needle) != std::string::npos; }

TEST_CASE("raid cli: create, fail, assemble, add with rebuild, scrub on files", "[raid][cli]") {
  target::test::TempDir dir;
  const std::string a = (dir / "a").string(), b = (dir / "b").string(), c = (dir / "c").string(),
                    s = (dir / "s").string(), n = (dir / "n").string();
  auto r = run({"create", "--level", "5", "--chunk", "32K", "--size", "3M", "--spare", s, a, b, c});
  INFO(r.err);
  REQUIRE(r.code == kCliOk);
  CHECK(contains(r.out, "      Raid Level : raid5"));
  CHECK(contains(r.out, "           State : clean\n"));
  CHECK(contains(r.out, "      Chunk Size : 32K"));
  CHECK(contains(r.out, "spare               " + s));

  r = run({"fail", b, a, b, c, s});
  REQUIRE(r.code == kCliOk);
  CHECK(contains(r.out, b + " marked faulty"));
  CHECK(contains(r.out, "clean, degraded, recovering"));  // the spare took the slot, rebuild pending
  CHECK(contains(r.out, "Rebuild Status : 0.0% complete"));

  r = run({"rebuild", a, c, s});
  INFO(r.err);
  REQUIRE(r.code == kCliOk);
  CHECK(contains(r.out, "rebuild: 100%"));
  CHECK(contains(r.out, "           State : clean\n"));
  CHECK(contains(r.out, "active sync         " + s));

  // b is stale now: assembling with it leaves it out, remove drops its entry, add brings
  // it back as a spare.
  r = run({"assemble", "--detail", a, b, c, s});
  REQUIRE(r.code == kCliOk);
  CHECK(contains(r.out, b + ": stale (event count"));
  r = run({"remove", b, a, c, s});
  REQUIRE(r.code == kCliOk);
  r = run({"add", b, a, c, s});
  REQUIRE(r.code == kCliOk);
  CHECK(contains(r.out, "spare               " + b));

  r = run({"scrub", a, c, s});
  REQUIRE(r.code == kCliOk);
  CHECK(contains(r.out, "scrub: 64 rows checked, 0 mismatched, 0 repaired"));

  r = run({"add", "--size", "3M", n, a, c, s, b});  // a second spare, created here
  REQUIRE(r.code == kCliOk);
  r = run({"assemble", a, c, s, b, n});
  REQUIRE(r.code == kCliOk);
  CHECK(contains(r.out, "raid5 "));
  CHECK(contains(r.out, ": clean, 3/3 in sync, 4.00 MiB"));

  r = run({"fail", "7", a, c, s});
  CHECK(r.code == kCliFailure);
  CHECK(contains(r.err, "7: not a member of this volume"));
  r = run({"assemble", a, (dir / "missing").string()});
  CHECK(r.code == kCliFailure);
  CHECK(contains(r.err, "No such file or directory"));
}

TEST_CASE("raid cli: detail report formatting", "[raid][cli]") {
  CHECK(format_size(512) == "512 B");
  CHECK(format_size(3 * 1024 * 1024) == "3.00 MiB");
  CHECK(format_size(1536) == "1.50 KiB");
  MemberStatus m;
  m.present = false;
  m.state = DeviceState::faulty;
  CHECK(member_state_text(m) == "faulty (missing)");
  m.present = true;
  m.state = DeviceState::rebuilding;
  CHECK(member_state_text(m) == "spare rebuilding");
}

}  // namespace
}  // namespace uiscsi::target::raid
