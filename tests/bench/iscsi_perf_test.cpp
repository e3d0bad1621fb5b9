#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "bench/iscsi_perf.h"

namespace uiscsi::bench {

TEST_CASE("iscsi-perf: progress records parse; banner lines do not", "[iscsi-perf]") {
  // As libiscsi 1.19's iscsi-perf printed it against tgtd here: banner lines end in '\n',
  // progress records start with '\r' and overwrite each other.
  const std::string output =
      "iscsi-perf version 0.1 - (c) 2014-2015 by Peter Lieven <pl@kamp.de>\n\n"
      "connected to iscsi://127.0.0.1:39261/iqn.2001-04.com.example:t1/1\n"
      "capacity is 524288 blocks or 268435456 byte (256 MB)\n"
      "performing SEQUENTIAL READ with 16 parallel requests\n"
      "FIXED transfer size of 512 blocks (262144 byte)\n"
      "infinite runtime - press CTRL-C to abort.\n\n"
      "\r00:00:01 - lba 67072, iops current 1110 (277 MB/s), iops average 1110 (277 MB/s), in_flight 16, busy 0        "
      "\r00:00:02 - lba 41472, iops current 969 (242 MB/s), iops average 1040 (260 MB/s), in_flight 16, busy 0        "
      "\r01:02:03 - lba 71168, iops current 44123.5 (172 MB/s), iops average 1040 (260 MB/s), in_flight 32, busy 0\n"
      "\nfinished.\n";
  std::vector<IscsiPerfRecord> records;
  std::size_t start = 0;
  while (start < output.size()) {
    const std::size_t end = std::min(output.find_first_of("\r\n", start), output.size());
    if (const auto r = parse_iscsi_perf_record(std::string_view(output).substr(start, end - start))) records.push_back(*r);
    start = end + 1;
  }
  REQUIRE(records.size() == 3);
  CHECK(records[0].elapsed_seconds == 1);
  CHECK(records[0].lba == 67072);
  CHECK(records[0].iops_current == 1110);
  CHECK(records[0].iops_average == 1110);
  CHECK(records[0].in_flight == 16);
  CHECK(records[1].elapsed_seconds == 2);
  CHECK(records[1].iops_current == 969);
  CHECK(records[1].iops_average == 1040);
  CHECK(records[2].elapsed_seconds == 3723);
  CHECK(records[2].iops_current == 44123.5);
  CHECK(records[2].in_flight == 32);
}

TEST_CASE("iscsi-perf: what is not a progress record", "[iscsi-perf]") {
  CHECK_FALSE(parse_iscsi_perf_record(""));
  CHECK_FALSE(parse_iscsi_perf_record("finished."));
  CHECK_FALSE(parse_iscsi_perf_record("iscsi_connect failed. Connection refused"));
  CHECK_FALSE(parse_iscsi_perf_record("00:00:01 - lba 1, iops average 3 (1 MB/s)"));  // no current
  CHECK_FALSE(parse_iscsi_perf_record("0:00:01 - lba 1, iops current 2 (1 MB/s), iops average 3 (1 MB/s)"));
  CHECK_FALSE(parse_iscsi_perf_record("00:00:01 - lba 1, iops current x (1 MB/s), iops average 3 (1 MB/s)"));
}

TEST_CASE("iscsi-perf: a target that is not there is an error, not a hang", "[iscsi-perf]") {
  IscsiPerfRun run;
  run.url.host = "127.0.0.1";
  run.url.port = 9;  // discard: nothing listens on it here
  run.url.target_name = "iqn.2026-11.org.uiscsi:nobody";
  run.seconds = 1;
  const Measurement m = run_iscsi_perf(run);
  CHECK_FALSE(m.error.empty());
}

}  // namespace uiscsi::bench
