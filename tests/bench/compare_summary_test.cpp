#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <catch2/catch.hpp>
#include <sstream>

#include "bench/compare_plan.h"
#include "bench/compare_report.h"
#include "bench/compare_summary.h"

namespace uiscsi::bench {
namespace {

namespace json = boost::json;

Measurement sample(double mb, double client_cpu, std::map<std::string, double> daemons = {}) {
  Measurement m;
  m.seconds = 1;
  m.mb_per_s = mb;
  m.iops = mb * 4;
  m.client_cpu_s_per_gb = client_cpu;
  m.daemon_cpu_s_per_gb = std::move(daemons);
  m.latency = LatencyPercentiles{mb, mb * 2, mb * 3};
  return m;
}

Measurement failed(const std::string& why) {
  Measurement m;
  m.error = why;
  return m;
}

// Every subject measured on every workload (3 rounds), except what a real run skips:
// iscsi-perf on writes, tgtd (as if not installed), smc (unavailable).
CompareResult synthetic() {
  CompareResult r;
  r.config.rounds = 3;
  r.config.seconds = 1;
  r.raw_tcp = {sample(4000, 0.2), sample(5000, 0.2), sample(4500, 0.2)};
  for (const Subject& s : compare_subjects()) {
    for (const CompareWorkload& w : compare_workloads()) {
      Cell& cell = r.cells[s.key][w.name];
      if (s.client == ClientKind::iscsi_perf && !w.read) cell.skipped = "iscsi-perf only reads";
      else if (s.target == "tgtd") cell.skipped = "tgtd/tgtadm not installed (package tgt)";
      else if (s.path == offload::Policy::smc) cell.skipped = "path smc unavailable: smc: kernel has no AF_SMC";
      else if (s.key == "uiscsi-target+uiscsi")
        cell.samples = {sample(3000, 0.5, {{"uiscsi-target", 0.4}}), failed("timeout"),
                        sample(3600, 0.7, {{"uiscsi-target", 0.6}}), sample(3300, 0.6, {{"uiscsi-target", 0.5}})};
      else if (s.key == "uiscsi-target+iscsi-perf")
        cell.samples = {sample(2000, 1.0, {{"uiscsi-target", 0.5}}), sample(2200, 1.2, {{"uiscsi-target", 0.5}}),
                        sample(2100, 1.1, {{"uiscsi-target", 0.5}})};
      else if (s.key == "uiscsi-nbd+fio")
        cell.samples = {failed("uiscsi-nbd is no longer running")};
      else cell.samples = {sample(1000, 1, {{"x", 1}})};
    }
  }
  return r;
}

}  // namespace

TEST_CASE("compare summary: medians over the successful samples, failures counted", "[compare]") {
  const CompareResult r = synthetic();
  const CellSummary s = summarize_cell(r.cells.at("uiscsi-target+uiscsi").at("seq-read-256k"));
  CHECK(s.ok());
  CHECK(s.runs == 4);
  CHECK(s.failed == 1);
  CHECK(s.mb_per_s == 3300);
  CHECK(s.iops == 3300 * 4);
  REQUIRE(s.latency);
  CHECK(s.latency->p99_us == 6600);
  CHECK(s.client_cpu_s_per_gb == Approx(0.6));
  CHECK(s.daemon_cpu_s_per_gb.at("uiscsi-target") == Approx(0.5));
  CHECK(s.cpu("uiscsi-target") == Approx(0.5));
  CHECK_FALSE(s.cpu("tgtd"));

  const CellSummary dead = summarize_cell(r.cells.at("uiscsi-nbd+fio").at("seq-read-256k"));
  CHECK_FALSE(dead.ok());
  CHECK(dead.error == "uiscsi-nbd is no longer running");
  CHECK(raw_tcp_mb_per_s(r) == 4500);
}

TEST_CASE("compare summary: ratios against the peer, skipped when a side is missing", "[compare]") {
  const CompareResult r = synthetic();
  const Comparison* initiator = nullptr;
  const Comparison* target = nullptr;
  for (const Comparison& c : compare_comparisons()) {
    if (c.key == "initiator") initiator = &c;
    if (c.key == "target/iscsi-perf") target = &c;
  }
  REQUIRE(initiator);
  REQUIRE(target);
  auto cell = [&](const Comparison& c, const char* workload) {
    return compare_cells(c, summarize_cell(r.cells.at(c.subject).at(workload)),
                         summarize_cell(r.cells.at(c.peer).at(workload)));
  };
  const ComparisonCell i = cell(*initiator, "seq-read-256k");
  CHECK(i.skipped.empty());
  CHECK(i.ratio == Approx(3300.0 / 2100));
  REQUIRE(i.cpu_ratio);
  CHECK(*i.cpu_ratio == Approx(0.6 / 1.1));
  CHECK_THAT(cell(*initiator, "seq-write-256k").skipped, Catch::Contains("iscsi-perf only reads"));
  CHECK_THAT(cell(*target, "seq-read-256k").skipped, Catch::Contains("tgtd"));
}

TEST_CASE("compare goals: met, missed and not measured", "[compare]") {
  const CompareResult r = synthetic();
  bool saw_initiator = false, saw_raw = false, saw_nbd = false;
  for (const GoalResult& g : evaluate_goals(r)) {
    INFO(g.goal->text << " " << g.workload);
    if (g.goal->comparison == "initiator" && !g.goal->cpu && g.workload == "seq-read-256k") {
      saw_initiator = true;
      REQUIRE(g.measured);
      CHECK(*g.measured == Approx(3300.0 / 2100));
      CHECK(g.met);  // 1.57 >= 1.5
    }
    if (g.goal->subject == "uiscsi-target+uiscsi" && g.goal->comparison.empty()) {
      saw_raw = true;
      REQUIRE(g.measured);
      CHECK(*g.measured == Approx(3300.0 / 4500));
      CHECK_FALSE(g.met);  // 0.73 < 0.8
    }
    if (g.goal->comparison == "nbd") {
      saw_nbd = true;
      CHECK_FALSE(g.measured);
      CHECK_THAT(g.why_not_measured, Catch::Contains("no longer running"));
    }
    // iscsi-perf cannot write: no goal on its write workloads.
    if (g.goal->comparison == "initiator") CHECK((g.workload == "seq-read-256k" || g.workload == "rand-read-4k"));
  }
  CHECK(saw_initiator);
  CHECK(saw_raw);
  CHECK(saw_nbd);
}

TEST_CASE("compare JSON: every subject and workload has figures or a reason", "[compare]") {
  const CompareResult r = synthetic();
  std::ostringstream out;
  write_compare_json(r, out);
  const json::value doc = json::parse(out.str());
  CHECK(doc.at("benchmark") == "compare");
  CHECK(doc.at("raw_tcp").at("mb_per_s").to_number<double>() == 4500);
  const json::object& subjects = doc.at("subjects").as_object();
  CHECK(subjects.size() == compare_subjects().size());
  for (const Subject& s : compare_subjects()) {
    const json::object& results = subjects.at(s.key).at("results").as_object();
    for (const CompareWorkload& w : compare_workloads()) {
      INFO(s.key << " " << w.name);
      const json::object& cell = results.at(w.name).as_object();
      CHECK((cell.contains("mb_per_s") || cell.contains("skipped") || cell.contains("error")));
      if (cell.contains("mb_per_s")) {
        CHECK(cell.contains("vs_raw_tcp"));
        CHECK(cell.contains("daemon_cpu_s_per_gb"));
        CHECK(cell.contains("client_cpu_s_per_gb"));
      }
    }
  }
  const json::object& tcp = subjects.at("uiscsi-target+uiscsi").at("results").at("seq-read-256k").as_object();
  CHECK(tcp.at("mb_per_s").to_number<double>() == 3300);
  CHECK(tcp.at("vs_raw_tcp").to_number<double>() == Approx(3300.0 / 4500));
  CHECK(tcp.at("failed_runs").as_int64() == 1);
  CHECK(tcp.at("samples_mb_per_s").as_array().size() == 3);

  const json::array& comparisons = doc.at("comparisons").as_array();
  CHECK(comparisons.size() == compare_comparisons().size());
  for (const json::value& c : comparisons) {
    for (const CompareWorkload& w : compare_workloads()) {
      const json::object& cell = c.at("results").at(w.name).as_object();
      INFO(c.at("name").as_string().c_str() << " " << w.name);
      CHECK((cell.contains("ratio") || cell.contains("skipped")));
    }
  }
  CHECK_FALSE(doc.at("goals").as_array().empty());
}

TEST_CASE("compare table: one line per subject and workload", "[compare]") {
  std::ostringstream out;
  write_compare_table(synthetic(), out);
  const std::string table = out.str();
  CHECK_THAT(table, Catch::Contains("raw TCP loopback"));
  CHECK_THAT(table, Catch::Contains("skipped: iscsi-perf only reads"));
  CHECK_THAT(table, Catch::Contains("error: uiscsi-nbd is no longer running"));
  CHECK_THAT(table, Catch::Contains("MISSED"));
}

}  // namespace uiscsi::bench
