// What `uiscsi-bench io` runs: the LUN, the workload and how the connection is made, from
// its command line.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include "bench/iscsi_url.h"
#include "iscsi/negotiation_params.h"
#include "offload/path.h"

namespace uiscsi::bench {

enum class AccessPattern : std::uint8_t { sequential, random };

struct IoConfig {
  IscsiUrl url;
  std::string initiator_name = "iqn.2026-11.org.uiscsi:bench";
  std::uint32_t queue_depth = 16;
  std::uint32_t block_size = 4096;  // bytes per request
  AccessPattern pattern = AccessPattern::sequential;
  // Percentage of requests that are reads: 100 read, 0 write, anything between a mix.
  unsigned read_percent = 100;
  // The run ends after `seconds`, or after `bytes` when that is set.
  double seconds = 10;
  std::optional<std::uint64_t> bytes;
  iscsi::DigestType header_digest = iscsi::DigestType::none;
  iscsi::DigestType data_digest = iscsi::DigestType::none;
  offload::Policy path = offload::Policy::tcp;
  std::optional<pid_t> target_pid;  // its CPU time is measured over the run
  std::optional<std::string> json_file;

  // "read", "write" or "mix=70".
  std::string rw_name() const;
};

struct IoArgs {
  std::optional<IoConfig> config;  // null: help was printed or the arguments were wrong
  int exit_status = 0;             // when config is null: 0 after --help, 2 on bad usage
};

// Parses the arguments of `uiscsi-bench io`; prints help to `out` and errors to `err`.
IoArgs parse_io_args(std::span<const std::string_view> args, std::ostream& out, std::ostream& err);

// "4096", "4k", "256KiB", "1M", "2G": bytes, K/M/G/T meaning powers of 1024. nullopt when
// not a positive size.
std::optional<std::uint64_t> parse_size(std::string_view text);

}  // namespace uiscsi::bench
