#include "bench/io_config.h"

#include <charconv>
#include <cmath>
#include <vector>

namespace uiscsi::bench {
namespace {

constexpr std::string_view kUsage =
    "usage: uiscsi-bench io [OPTIONS] iscsi://[USER[%PASSWORD]@]HOST[:PORT]/TARGET-IQN/LUN\n\n"
    "Drives one LUN through uiscsi's initiator and reports IOPS, MB/s (10^6 bytes), latency\n"
    "percentiles, CPU seconds per GB of the client (and of the target with --target-pid) and\n"
    "the transport's counters. Writes overwrite the LUN.\n\n"
    "  --qd N               requests in flight (default 16)\n"
    "  --bs SIZE            bytes per request: 4096, 4k, 256k, 1M (default 4k); a multiple\n"
    "                       of the LUN's block size\n"
    "  --pattern seq|rand   sequential (wrapping at the end of the LUN) or random offsets,\n"
    "                       aligned to the request size (default seq)\n"
    "  --rw read|write|mix=PCT\n"
    "                       reads, writes, or PCT percent reads and the rest writes\n"
    "                       (default read)\n"
    "  --seconds S          run for S seconds (default 10)\n"
    "  --bytes SIZE         run until SIZE bytes were transferred instead\n"
    "  --digests none|crc32c\n"
    "                       HeaderDigest and DataDigest to insist on (default none)\n"
    "  --header-digest none|crc32c, --data-digest none|crc32c\n"
    "                       the same, one at a time\n"
    "  --path tcp|placement|smc|iser|auto\n"
    "                       the offload data path of the connection (default tcp)\n"
    "  --initiator-name IQN the InitiatorName to log in with\n"
    "  --target-pid PID     measure this target process's CPU time (/proc/PID/stat)\n"
    "  --json FILE          also write the result as JSON to FILE ('-': standard output,\n"
    "                       instead of the table)\n";

template <class Number>
bool parse_number(std::string_view text, Number& value) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc{} && end == text.data() + text.size() && !text.empty();
}

bool parse_digest(std::string_view text, iscsi::DigestType& digest) {
  if (text == "none") digest = iscsi::DigestType::none;
  else if (text == "crc32c") digest = iscsi::DigestType::crc32c;
  else return false;
  return true;
}

}  // namespace

std::string IoConfig::rw_name() const {
  if (read_percent == 100) return "read";
  if (read_percent == 0) return "write";
  return "mix=" + std::to_string(read_percent);
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  std::uint64_t value = 0;
  if (!parse_number(text.substr(0, digits), value) || value == 0) return std::nullopt;
  std::string_view unit = text.substr(digits);
  if (unit.ends_with("iB")) unit.remove_suffix(2);
  else if (unit.ends_with("B") && unit.size() == 2) unit.remove_suffix(1);
  unsigned shift = 0;
  if (unit.empty()) shift = 0;
  else if (unit == "k" || unit == "K") shift = 10;
  else if (unit == "m" || unit == "M") shift = 20;
  else if (unit == "g" || unit == "G") shift = 30;
  else if (unit == "t" || unit == "T") shift = 40;
  else return std::nullopt;
  if (shift && value > (~std::uint64_t{0} >> shift)) return std::nullopt;
  return value << shift;
}

IoArgs parse_io_args(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  IoConfig config;
  std::optional<std::string_view> url;
  auto bad = [&](const std::string& why) {
    err << "uiscsi-bench io: " << why << "\n";
    return IoArgs{std::nullopt, 2};
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      out << kUsage;
      return {std::nullopt, 0};
    }
    if (!arg.starts_with("--")) {
      if (url) return bad("more than one URL: '" + std::string(arg) + "'");
      url = arg;
      continue;
    }
    std::string_view value;
    if (const std::size_t eq = arg.find('='); eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return bad(std::string(arg) + " needs a value");
    }
    const std::string shown = std::string(arg) + " '" + std::string(value) + "'";
    if (arg == "--qd") {
      if (!parse_number(value, config.queue_depth) || config.queue_depth == 0 || config.queue_depth > 4096)
        return bad(shown + ": a queue depth is 1..4096");
    } else if (arg == "--bs") {
      const auto size = parse_size(value);
      if (!size || *size > (64u << 20)) return bad(shown + ": a request size is 1 byte..64M");
      config.block_size = static_cast<std::uint32_t>(*size);
    } else if (arg == "--pattern") {
      if (value == "seq") config.pattern = AccessPattern::sequential;
      else if (value == "rand") config.pattern = AccessPattern::random;
      else return bad(shown + ": seq or rand");
    } else if (arg == "--rw") {
      if (value == "read") config.read_percent = 100;
      else if (value == "write") config.read_percent = 0;
      else if (value.starts_with("mix=") && parse_number(value.substr(4), config.read_percent) &&
               config.read_percent <= 100) {
      } else {
        return bad(shown + ": read, write or mix=PCT with PCT 0..100 (percent reads)");
      }
    } else if (arg == "--seconds") {
      if (!parse_number(value, config.seconds) || !std::isfinite(config.seconds) || config.seconds <= 0 ||
          config.seconds > 86400)
        return bad(shown + ": seconds in (0, 86400]");
    } else if (arg == "--bytes") {
      config.bytes = parse_size(value);
      if (!config.bytes) return bad(shown + ": a positive size");
    } else if (arg == "--digests") {
      if (!parse_digest(value, config.header_digest)) return bad(shown + ": none or crc32c");
      config.data_digest = config.header_digest;
    } else if (arg == "--header-digest") {
      if (!parse_digest(value, config.header_digest)) return bad(shown + ": none or crc32c");
    } else if (arg == "--data-digest") {
      if (!parse_digest(value, config.data_digest)) return bad(shown + ": none or crc32c");
    } else if (arg == "--path") {
      const auto policy = offload::policy_from_name(value);
      if (!policy) return bad(shown + ": tcp, placement, smc, iser or auto");
      config.path = *policy;
    } else if (arg == "--initiator-name") {
      if (value.empty()) return bad("--initiator-name needs a name");
      config.initiator_name = std::string(value);
    } else if (arg == "--target-pid") {
      pid_t pid = 0;
      if (!parse_number(value, pid) || pid <= 0) return bad(shown + ": a process id");
      config.target_pid = pid;
    } else if (arg == "--json") {
      config.json_file = std::string(value);
    } else {
      return bad("unknown option " + std::string(arg) + "\n" + std::string(kUsage));
    }
  }
  if (!url) return bad("no iSCSI URL given\n" + std::string(kUsage));
  std::string why;
  const auto parsed = parse_iscsi_url(*url, why);
  if (!parsed) return bad("bad URL '" + std::string(*url) + "': " + why);
  config.url = *parsed;
  return {config, 0};
}

}  // namespace uiscsi::bench
