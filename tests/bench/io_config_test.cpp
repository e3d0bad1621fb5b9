#include <catch2/catch.hpp>
#include <sstream>
#include <string_view>
#include <vector>

#include "bench/io_config.h"

namespace uiscsi::bench {
namespace {

IoArgs parse(std::vector<std::string_view> args, std::string* errors = nullptr) {
  std::ostringstream out, err;
  IoArgs a = parse_io_args(args, out, err);
  if (errors) *errors = err.str();
  return a;
}

}  // namespace

TEST_CASE("io: defaults and every setting", "[io-args]") {
  const IoArgs d = parse({"iscsi://127.0.0.1:3261/iqn.x:y/0"});
  REQUIRE(d.config);
  CHECK(d.config->queue_depth == 16);
  CHECK(d.config->block_size == 4096);
  CHECK(d.config->read_percent == 100);
  CHECK(d.config->pattern == AccessPattern::sequential);
  CHECK(d.config->path == offload::Policy::tcp);
  CHECK(d.config->url.port == 3261);

  const IoArgs a = parse({"--qd", "32", "--bs=256k", "--pattern", "rand", "--rw", "mix=70", "--bytes", "1G",
                          "--digests", "crc32c", "--path", "placement", "--target-pid", "123", "--json", "out.json",
                          "iscsi://u%p@127.0.0.1/iqn.x:y/3"});
  REQUIRE(a.config);
  const IoConfig& c = *a.config;
  CHECK(c.queue_depth == 32);
  CHECK(c.block_size == 262144);
  CHECK(c.pattern == AccessPattern::random);
  CHECK(c.read_percent == 70);
  CHECK(c.rw_name() == "mix=70");
  CHECK(c.bytes == (1ull << 30));
  CHECK(c.header_digest == iscsi::DigestType::crc32c);
  CHECK(c.data_digest == iscsi::DigestType::crc32c);
  CHECK(c.path == offload::Policy::placement);
  CHECK(c.target_pid == 123);
  CHECK(c.json_file == "out.json");
  CHECK(c.url.user == "u");
  CHECK(c.url.lun == 3);

  const IoArgs w = parse({"--rw=write", "--data-digest", "crc32c", "--seconds", "0.5", "iscsi://127.0.0.1/iqn.x:y/0"});
  REQUIRE(w.config);
  CHECK(w.config->read_percent == 0);
  CHECK(w.config->rw_name() == "write");
  CHECK(w.config->header_digest == iscsi::DigestType::none);
  CHECK(w.config->data_digest == iscsi::DigestType::crc32c);
  CHECK(w.config->seconds == 0.5);
}

TEST_CASE("io: bad arguments are usage errors that say why", "[io-args]") {
  struct Case {
    std::vector<std::string_view> args;
    const char* says;
  };
  const std::vector<Case> cases = {
      {{}, "no iSCSI URL"},
      {{"--qd", "0", "iscsi://h/iqn.x:y/0"}, "queue depth"},
      {{"--bs", "12q", "iscsi://h/iqn.x:y/0"}, "request size"},
      {{"--pattern", "zigzag", "iscsi://h/iqn.x:y/0"}, "seq or rand"},
      {{"--rw", "mix=101", "iscsi://h/iqn.x:y/0"}, "mix=PCT"},
      {{"--seconds", "-1", "iscsi://h/iqn.x:y/0"}, "seconds"},
      {{"--digests", "md5", "iscsi://h/iqn.x:y/0"}, "crc32c"},
      {{"--path", "carrier-pigeon", "iscsi://h/iqn.x:y/0"}, "placement"},
      {{"--frobnicate", "1", "iscsi://h/iqn.x:y/0"}, "unknown option"},
      {{"iscsi://h/iqn.x:y"}, "bad URL"},
      {{"iscsi://h/iqn.x:y/0", "iscsi://h/iqn.x:y/1"}, "more than one URL"},
      {{"--qd"}, "needs a value"},
  };
  for (const Case& c : cases) {
    std::string err;
    const IoArgs a = parse(c.args, &err);
    INFO(c.says);
    CHECK_FALSE(a.config);
    CHECK(a.exit_status == 2);
    CHECK_THAT(err, Catch::Contains(c.says));
  }
  const IoArgs help = parse({"--help"});
  CHECK_FALSE(help.config);
  CHECK(help.exit_status == 0);
}

TEST_CASE("sizes: bytes and binary units", "[io-args]") {
  CHECK(parse_size("4096") == 4096u);
  CHECK(parse_size("4k") == 4096u);
  CHECK(parse_size("256KiB") == 262144u);
  CHECK(parse_size("1M") == 1048576u);
  CHECK(parse_size("2G") == 2ull << 30);
  CHECK(parse_size("1MB") == 1048576u);
  CHECK_FALSE(parse_size("0"));
  CHECK_FALSE(parse_size("k"));
  CHECK_FALSE(parse_size("4x"));
  CHECK_FALSE(parse_size("99999999999T"));
}

}  // namespace uiscsi::bench
