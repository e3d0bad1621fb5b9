// `uiscsi-bench io`'s report: the transport counters it prints and serialises.
#include <catch2/catch.hpp>
#include <sstream>
#include <string>

#include "bench/io_report.h"

namespace uiscsi::bench {

TEST_CASE("the io report carries the transport's file-send counters", "[io_report]") {
  IoResult r;
  r.counters.bytes_placed = 1000;
  r.counters.zerocopy_copied = 3;
  r.counters.bytes_sendfile = 786432;
  r.counters.bytes_file_read = 8192;

  std::ostringstream table;
  write_io_table(r, table);
  INFO(table.str());
  CHECK(table.str().find("from files: sendfile 786432 B, read 8192 B") != std::string::npos);

  std::ostringstream out;
  JsonWriter json(out);
  write_io_json(r, json);
  const std::string text = out.str();
  INFO(text);
  CHECK(text.find("\"bytes_sendfile\": 786432") != std::string::npos);
  CHECK(text.find("\"bytes_file_read\": 8192") != std::string::npos);
  CHECK(text.find("\"zerocopy_copied\": 3") != std::string::npos);
}

}  // namespace uiscsi::bench
