#include "bench/io_report.h"

#include <iomanip>

namespace uiscsi::bench {
namespace {

std::string_view digest_name(iscsi::DigestType d) { return d == iscsi::DigestType::crc32c ? "crc32c" : "none"; }

}  // namespace

void write_io_table(const IoResult& r, std::ostream& out) {
  const IoConfig& c = r.config;
  out << std::fixed;
  out << "target       " << c.url.host << ":" << c.url.port << " " << c.url.target_name << " LUN " << c.url.lun << "\n";
  out << "workload     " << c.rw_name() << ", " << c.block_size << " B, "
      << (c.pattern == AccessPattern::sequential ? "sequential" : "random") << ", QD " << c.queue_depth << "\n";
  out << "path         " << offload::name(r.path.in_use);
  if (!r.path.fallback_reason.empty()) out << " (" << r.path.fallback_reason << ")";
  if (!r.path.mode.empty()) out << ", " << r.path.mode;
  out << ", digests header " << digest_name(r.header_digest) << " data " << digest_name(r.data_digest) << "\n";
  out << std::setprecision(2);
  out << "time         " << r.seconds << " s, " << r.reads << " reads, " << r.writes << " writes\n";
  out << std::setprecision(0) << "IOPS         " << r.iops() << "\n";
  out << std::setprecision(1) << "MB/s         " << r.megabytes_per_second() << "\n";
  out << "latency us   p50 " << r.latency.p50_us << "  p99 " << r.latency.p99_us << "  p99.9 " << r.latency.p999_us << "\n";
  out << std::setprecision(3) << "client CPU   " << r.client_cpu_seconds << " s, " << r.client_cpu_per_gb() << " s/GB\n";
  if (r.target_cpu_seconds) {
    out << "target CPU   " << *r.target_cpu_seconds << " s, " << r.target_cpu_per_gb().value_or(0) << " s/GB\n";
  }
  out << "transport    placed " << r.counters.bytes_placed << " B, copied " << r.counters.bytes_copied << " B (" << std::setprecision(3)
      << r.copied_per_delivered() << " copied per delivered), placement hits " << r.counters.placement_hits << ", misses "
      << r.counters.placement_misses << ", zero-copy sends " << r.counters.zerocopy_sends << " ("
      << r.counters.zerocopy_copied << " copied by the kernel after all), from files: sendfile "
      << r.counters.bytes_sendfile << " B, read " << r.counters.bytes_file_read << " B\n";
  if (!r.error.empty()) out << "error        " << r.error << "\n";
}

void write_io_json(const IoResult& r, JsonWriter& json) {
  const IoConfig& c = r.config;
  json.begin_object();
  json.key("url");
  IscsiUrl shown = c.url;
  shown.password.clear();  // never written to a report
  json.value(shown.to_string());
  json.key("rw");
  json.value(c.rw_name());
  json.key("pattern");
  json.value(c.pattern == AccessPattern::sequential ? "seq" : "rand");
  json.key("block_size");
  json.value(std::uint64_t{c.block_size});
  json.key("queue_depth");
  json.value(std::uint64_t{c.queue_depth});
  json.key("path_requested");
  json.value(offload::name(c.path));
  json.key("path");
  json.value(offload::name(r.path.in_use));
  json.key("fallback_reason");
  json.value(r.path.fallback_reason);
  json.key("path_mode");
  json.value(r.path.mode);
  json.key("header_digest");
  json.value(digest_name(r.header_digest));
  json.key("data_digest");
  json.value(digest_name(r.data_digest));
  if (!r.error.empty()) {
    json.key("error");
    json.value(r.error);
  }
  json.key("seconds");
  json.value(r.seconds);
  json.key("reads");
  json.value(r.reads);
  json.key("writes");
  json.value(r.writes);
  json.key("bytes");
  json.value(r.bytes);
  json.key("iops");
  json.value(r.iops());
  json.key("mb_per_s");
  json.value(r.megabytes_per_second());
  json.key("latency_us");
  json.begin_object(JsonWriter::Layout::single_line);
  json.key("p50");
  json.value(r.latency.p50_us);
  json.key("p99");
  json.value(r.latency.p99_us);
  json.key("p99.9");
  json.value(r.latency.p999_us);
  json.end_object();
  json.key("client_cpu_seconds");
  json.value(r.client_cpu_seconds);
  json.key("client_cpu_s_per_gb");
  json.value(r.client_cpu_per_gb());
  json.key("target_cpu_seconds");
  json.value(r.target_cpu_seconds);
  json.key("target_cpu_s_per_gb");
  json.value(r.target_cpu_per_gb());
  json.key("transport");
  json.begin_object();
  json.key("bytes_placed");
  json.value(r.counters.bytes_placed);
  json.key("bytes_copied");
  json.value(r.counters.bytes_copied);
  json.key("bytes_owned");
  json.value(r.counters.bytes_owned);
  json.key("copied_per_delivered");
  json.value(r.copied_per_delivered());
  json.key("placement_hits");
  json.value(r.counters.placement_hits);
  json.key("placement_misses");
  json.value(r.counters.placement_misses);
  json.key("zerocopy_sends");
  json.value(r.counters.zerocopy_sends);
  // Loopback and devices without scatter-gather copy MSG_ZEROCOPY data anyway.
  json.key("zerocopy_copied");
  json.value(r.counters.zerocopy_copied);
  // Data segments sent from a file (a target's Data-In); an initiator sends none.
  json.key("bytes_sendfile");
  json.value(r.counters.bytes_sendfile);
  json.key("bytes_file_read");
  json.value(r.counters.bytes_file_read);
  json.key("digest_errors");
  json.value(r.counters.digest_errors);
  json.end_object();
  json.end_object();
}

}  // namespace uiscsi::bench
