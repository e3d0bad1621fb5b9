// uiscsi-bench raid: its command line, and a short run that checks the report's shape (the
// figures themselves are the machine's, never asserted).
#include <catch2/catch.hpp>

#include <sstream>
#include <string_view>
#include <vector>

#include "bench/raid_bench.h"
#include "bench/raid_command.h"

namespace uiscsi::bench {
namespace {

int run(std::vector<std::string_view> args, std::string& out, std::string& err) {
  std::ostringstream o;
  std::ostringstream e;
  const int rc = run_raid_command(args, o, e);
  out = o.str();
  err = e.str();
  return rc;
}

}  // namespace

TEST_CASE("uiscsi-bench raid refuses bad arguments with its usage", "[bench][raid]") {
  std::string out;
  std::string err;
  CHECK(run({"--members", "3"}, out, err) == 2);
  CHECK(err.find("bad value '3' for --members") != std::string::npos);
  CHECK(run({"--member-size", "lots"}, out, err) == 2);
  CHECK(run({"--seconds"}, out, err) == 2);
  CHECK(err.find("--seconds needs a value") != std::string::npos);
  CHECK(run({"--frobnicate"}, out, err) == 2);
  CHECK(run({"--help"}, out, err) == 0);
  CHECK(out.find("usage: uiscsi-bench raid") == 0);
}

TEST_CASE("uiscsi-bench raid measures parity and the three levels in one run", "[bench][raid]") {
  RaidBenchConfig config;
  config.seconds = 0.05;
  config.repetitions = 3;
  config.members = 4;
  config.member_bytes = 8u << 20;
  std::ostringstream err;
  const auto report = run_raid_bench(config, err);
  INFO(err.str());
  REQUIRE(report);
  REQUIRE(report->parity.size() == 4);
  CHECK(report->parity[0].function == "xor_gen");
  CHECK(report->parity[0].data_units == 3);
  CHECK(report->parity[1].function == "pq_gen");
  CHECK(report->parity[1].data_units == 2);
  for (const auto& p : report->parity) CHECK(p.gbps.median > 0);
  REQUIRE(report->writes.size() == 3);
  CHECK(report->writes[0].level == "raid0");
  CHECK(report->writes[1].level == "raid5");
  CHECK(report->writes[2].level == "raid6");
  // Whole rows per request: the data members' chunks, rows_per_write times.
  CHECK(report->writes[1].write_bytes == 3 * config.chunk_bytes * config.rows_per_write);
  for (const auto& w : report->writes) CHECK(w.gbps.median > 0);
  CHECK(report->ratio_to_raid0("raid0") == 1.0);
  CHECK(report->ratio_to_raid0("raid5").has_value());
  CHECK_FALSE(report->ratio_to_raid0("raid7"));

  std::ostringstream json;
  write_raid_json(*report, json);
  CHECK(json.str().find("\"full_stripe_writes\"") != std::string::npos);
  CHECK(json.str().find("\"ratio_to_raid0\"") != std::string::npos);
  std::ostringstream table;
  write_raid_table(*report, table);
  CHECK(table.str().find("raid6") != std::string::npos);
}

}  // namespace uiscsi::bench
