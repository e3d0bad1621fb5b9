#include <catch2/catch.hpp>
#include <string>

#include "bench/fio_nbd.h"

namespace uiscsi::bench {
namespace {

// The shape of fio 3.33's --output-format=json report of an nbd job (trimmed to the keys
// we read plus a few neighbours), after the line the nbd engine prints first.
std::string report(const std::string& read_bytes, const std::string& write_bytes, int error = 0) {
  return "fio: connected to NBD server\n"
         "{\n  \"fio version\" : \"fio-3.33\",\n  \"jobs\" : [\n    {\n"
         "      \"jobname\" : \"uiscsi-bench\",\n      \"error\" : " + std::to_string(error) + ",\n"
         "      \"read\" : {\n        \"io_bytes\" : " + read_bytes + ",\n        \"bw_bytes\" : 2000000,\n"
         "        \"iops\" : 488.28125,\n        \"runtime\" : 1002,\n"
         "        \"clat_ns\" : { \"min\" : 1, \"percentile\" : { \"50.000000\" : 100000, \"99.000000\" : 300000,"
         " \"99.900000\" : 900000 } }\n      },\n"
         "      \"write\" : {\n        \"io_bytes\" : " + write_bytes + ",\n        \"bw_bytes\" : 5277381,\n"
         "        \"iops\" : 1288.423154,\n        \"runtime\" : 1001,\n"
         "        \"clat_ns\" : { \"min\" : 1, \"percentile\" : { \"50.000000\" : 13697024, \"99.000000\" : 78118912,"
         " \"99.900000\" : 104333312 } }\n      },\n"
         "      \"job_runtime\" : 1001,\n      \"usr_cpu\" : 0.3996,\n      \"sys_cpu\" : 0.999001\n"
         "    }\n  ]\n}\n";
}

}  // namespace

TEST_CASE("fio JSON: a write job after the nbd engine's greeting", "[fio]") {
  std::string why;
  const auto f = parse_fio_json(report("0", "5287936"), why);
  REQUIRE(f);
  CHECK(f->iops == Approx(1288.423154));
  CHECK(f->bytes_per_second == 5277381);
  CHECK(f->io_bytes == 5287936);
  CHECK(f->runtime_seconds == Approx(1.001));
  CHECK(f->completion_latency.p50_us == Approx(13697.024));
  CHECK(f->completion_latency.p99_us == Approx(78118.912));
  CHECK(f->completion_latency.p999_us == Approx(104333.312));
  CHECK(f->cpu_seconds == Approx((0.3996 + 0.999001) / 100 * 1.001));
}

TEST_CASE("fio JSON: a mixed job adds both directions", "[fio]") {
  std::string why;
  const auto f = parse_fio_json(report("1000000", "1000000"), why);
  REQUIRE(f);
  CHECK(f->iops == Approx(488.28125 + 1288.423154));
  CHECK(f->io_bytes == 2000000);
  CHECK(f->runtime_seconds == Approx(1.002));
  // Each direction's percentile weighted by its bytes: here half and half.
  CHECK(f->completion_latency.p50_us == Approx((100 + 13697.024) / 2));
}

TEST_CASE("fio JSON: failures are reported, not read as zeros", "[fio]") {
  std::string why;
  CHECK_FALSE(parse_fio_json("fio: failed to connect to NBD server\n", why));
  CHECK_THAT(why, Catch::Contains("no JSON"));
  CHECK_FALSE(parse_fio_json("{ \"jobs\" : [ ", why));
  CHECK_THAT(why, Catch::Contains("does not parse"));
  CHECK_FALSE(parse_fio_json("{ \"fio version\" : \"fio-3.33\" }", why));
  CHECK_THAT(why, Catch::Contains("no jobs"));
  CHECK_FALSE(parse_fio_json(report("0", "1000", 5), why));
  CHECK_THAT(why, Catch::Contains("error 5"));
  CHECK_FALSE(parse_fio_json(report("0", "0"), why));
  CHECK_THAT(why, Catch::Contains("no data"));
}

}  // namespace uiscsi::bench
