// `uiscsi-bench compare --quick` end to end, with real daemons and peers on loopback and a
// tiny duration: the JSON must hold every subject and workload, each with figures or an
// explicit reason, and uiscsi on the tcp path must have moved data. No figure is
// asserted: the machine is shared and noisy.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "bench/child_process.h"
#include "bench/compare_plan.h"
#include "bench/scratch.h"

namespace uiscsi::bench {

TEST_CASE("compare --quick: every subject and workload, figures or a reason", "[.integration][compare]") {
  std::string error;
  auto dir = TempDir::make("/tmp", error);
  REQUIRE(dir);
  const std::string json_file = dir->path() + "/compare.json";
  const std::string plot_file = dir->path() + "/compare.svg";
  std::string output;
  const int rc = run_to_completion({UISCSI_BINARY_DIR "/tools/uiscsi-bench/uiscsi-bench", "compare", "--quick",
                                    "--seconds", "0.2", "--rounds", "1", "--lun-size", "64M", "--json", json_file,
                                    "--plot", plot_file},
                                   output, std::chrono::minutes(5));
  INFO(output);
  REQUIRE(rc == 0);

  std::ifstream in(json_file);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const boost::json::value doc = boost::json::parse(text);
  CHECK(doc.at("quick").as_bool());
  CHECK(doc.at("raw_tcp").at("mb_per_s").to_number<double>() > 0);
  for (const Subject& s : compare_subjects()) {
    for (const CompareWorkload& w : compare_workloads()) {
      const boost::json::object& cell = doc.at("subjects").at(s.key).at("results").at(w.name).as_object();
      INFO(s.key << " " << w.name << ": " << boost::json::serialize(cell));
      // Figures, or the reason there are none: skipped (a peer missing or unable), or an
      // error the subject itself had (a stall of the path under test is reported, not
      // hidden, and is the subject's fault rather than the harness's).
      if (cell.contains("skipped")) {
        CHECK_FALSE(cell.at("skipped").as_string().empty());
      } else if (cell.contains("error")) {
        CHECK_FALSE(cell.at("error").as_string().empty());
      } else {
        CHECK(cell.at("mb_per_s").to_number<double>() > 0);
      }
    }
  }
  // uiscsi against itself on the tcp path always runs and always moves data: it needs
  // nothing from outside.
  const auto& own = doc.at("subjects").at("uiscsi-target+uiscsi").at("results").as_object();
  for (const CompareWorkload& w : compare_workloads()) CHECK(own.at(w.name).as_object().contains("mb_per_s"));
  for (const boost::json::value& c : doc.at("comparisons").as_array()) {
    for (const CompareWorkload& w : compare_workloads()) {
      const boost::json::object& cell = c.at("results").at(w.name).as_object();
      CHECK((cell.contains("ratio") || cell.contains("skipped")));
    }
  }
  std::ifstream plot(plot_file);
  const std::string svg((std::istreambuf_iterator<char>(plot)), std::istreambuf_iterator<char>());
  CHECK_THAT(svg, Catch::Contains("<svg"));
}

TEST_CASE("compare without any peer installed: each skipped with the reason, uiscsi still measured",
          "[.integration][compare]") {
  std::string error;
  auto dir = TempDir::make("/tmp", error);
  REQUIRE(dir);
  const std::string json_file = dir->path() + "/compare.json";
  // An empty PATH hides tgt, libiscsi-bin, qemu-utils and fio; uiscsi-target is found
  // beside uiscsi-bench in the build tree.
  const char* saved = std::getenv("PATH");
  const std::string old_path = saved ? saved : "";
  ::setenv("PATH", dir->path().c_str(), 1);
  std::string output;
  const int rc = run_to_completion({UISCSI_BINARY_DIR "/tools/uiscsi-bench/uiscsi-bench", "compare", "--seconds",
                                    "0.2", "--rounds", "1", "--lun-size", "16M", "--json", json_file},
                                   output, std::chrono::minutes(3));
  ::setenv("PATH", old_path.c_str(), 1);
  INFO(output);
  REQUIRE(rc == 0);
  CHECK_THAT(output, Catch::Contains("skipping tgtd: tgtd/tgtadm not installed (package tgt)"));
  CHECK_THAT(output, Catch::Contains("iscsi-perf not installed (package libiscsi-bin)"));
  CHECK_THAT(output, Catch::Contains("fio not installed (package fio)"));

  std::ifstream in(json_file);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const boost::json::value doc = boost::json::parse(text);
  for (const Subject& s : compare_subjects()) {
    for (const CompareWorkload& w : compare_workloads()) {
      const boost::json::object& cell = doc.at("subjects").at(s.key).at("results").at(w.name).as_object();
      INFO(s.key << " " << w.name << ": " << boost::json::serialize(cell));
      const bool peer = s.client != ClientKind::uiscsi_io || s.target == "tgtd";
      if (peer) {
        REQUIRE(cell.contains("skipped"));
        CHECK_THAT(std::string(cell.at("skipped").as_string()),
                   Catch::Contains("not installed") || Catch::Contains("only reads") || Catch::Contains("not built"));
      } else if (s.path == offload::Policy::tcp) {
        CHECK(cell.at("mb_per_s").to_number<double>() > 0);
      }
    }
  }
}

}  // namespace uiscsi::bench
