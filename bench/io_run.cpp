#include "bench/io_run.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <vector>

#include "bench/cpu_time.h"
#include "bench/stats.h"
#include "initiator/block_device.h"
#include "initiator/connector.h"
#include "initiator/session.h"
#include "offload/registry.h"

namespace uiscsi::bench {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

offload::Counters minus(const offload::Counters& a, const offload::Counters& b) {
  offload::Counters d;
  d.bytes_received = a.bytes_received - b.bytes_received;
  d.bytes_sent = a.bytes_sent - b.bytes_sent;
  d.bytes_placed = a.bytes_placed - b.bytes_placed;
  d.bytes_copied = a.bytes_copied - b.bytes_copied;
  d.bytes_owned = a.bytes_owned - b.bytes_owned;
  d.pdus_received = a.pdus_received - b.pdus_received;
  d.pdus_sent = a.pdus_sent - b.pdus_sent;
  d.digest_errors = a.digest_errors - b.digest_errors;
  d.placement_misses = a.placement_misses - b.placement_misses;
  d.expectation_evictions = a.expectation_evictions - b.expectation_evictions;
  d.placement_hits = a.placement_hits - b.placement_hits;
  d.zerocopy_sends = a.zerocopy_sends - b.zerocopy_sends;
  d.bytes_zerocopy = a.bytes_zerocopy - b.bytes_zerocopy;
  d.zerocopy_copied = a.zerocopy_copied - b.zerocopy_copied;
  d.bytes_sendfile = a.bytes_sendfile - b.bytes_sendfile;
  d.bytes_file_read = a.bytes_file_read - b.bytes_file_read;
  return d;
}

initiator::SessionConfig session_config(const IoConfig& config) {
  initiator::SessionConfig s;
  s.initiator_name = config.initiator_name;
  s.target_name = config.url.target_name;
  s.portal = {config.url.host, config.url.port};
  if (!config.url.user.empty()) {
    initiator::ChapSettings chap;
    chap.user = config.url.user;
    chap.secret = config.url.password;
    s.chap = chap;
  }
  // Insist on what was asked: a benchmark that silently ran without digests would lie.
  s.negotiation.header_digests = {config.header_digest};
  s.negotiation.data_digests = {config.data_digest};
  return s;
}

// The state the workers share; everything runs on one io_context thread.
struct Workload {
  explicit Workload(const IoConfig& c) : config(c) {}
  const IoConfig& config;
  initiator::BlockDevice* device = nullptr;
  std::uint64_t slots = 0;        // request-sized slots in the LUN
  std::uint64_t next_slot = 0;    // sequential cursor
  std::mt19937_64 rng{0x75697363};  // fixed seed: the same offsets run after run
  Clock::time_point deadline;
  std::uint64_t issued_bytes = 0;  // for --bytes
  std::uint64_t reads = 0, writes = 0, bytes = 0;
  std::vector<double> latencies_us;
  std::string error;
  bool stalled = false;

  bool more() const {
    if (!error.empty()) return false;
    if (config.bytes) return issued_bytes < *config.bytes;
    return Clock::now() < deadline;
  }
};

asio::awaitable<void> worker(Workload& w, std::byte* buffer) {
  const std::uint32_t size = w.config.block_size;
  const iovec iov{buffer, size};
  while (w.more()) {
    const std::uint64_t slot =
        w.config.pattern == AccessPattern::sequential ? w.next_slot++ % w.slots : w.rng() % w.slots;
    const bool read = w.config.read_percent == 100 || (w.config.read_percent > 0 && w.rng() % 100 < w.config.read_percent);
    w.issued_bytes += size;
    const Clock::time_point start = Clock::now();
    const std::error_code ec = read ? co_await w.device->read(slot * size, {&iov, 1})
                                    : co_await w.device->write(slot * size, {&iov, 1});
    if (w.stalled) co_return;  // closed by the watchdog: its error says why
    if (ec) {
      if (w.error.empty()) w.error = std::string(read ? "read" : "write") + " at " + std::to_string(slot * size) + ": " + ec.message();
      co_return;
    }
    w.latencies_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    (read ? w.reads : w.writes) += 1;
    w.bytes += size;
  }
}

asio::awaitable<void> run_session(asio::io_context& io, const IoConfig& config, IoResult& result, std::ostream& log) {
  initiator::SessionOpen opened = co_await initiator::Session::open(
      io, session_config(config), initiator::make_connector(io, offload::Registry::with_builtin_paths(), config.path));
  if (!opened.session) {
    result.error = "login to " + config.url.host + ":" + std::to_string(config.url.port) + " failed: " + opened.error;
    co_return;
  }
  initiator::Session& session = *opened.session;
  initiator::BlockDeviceOpen device = co_await initiator::BlockDevice::open(session, config.url.lun);
  if (!device.device) {
    result.error = "LUN " + std::to_string(config.url.lun) + ": " + device.error;
    session.close();
    co_return;
  }
  const initiator::BlockGeometry& geometry = device.device->geometry();
  result.lun_block_size = geometry.block_size;
  result.lun_bytes = geometry.size();
  if (config.block_size % geometry.block_size != 0 || config.block_size > geometry.size()) {
    result.error = "request size " + std::to_string(config.block_size) + " is not a multiple of the LUN's " +
                   std::to_string(geometry.block_size) + "-byte blocks or exceeds its " +
                   std::to_string(geometry.size()) + " bytes";
    session.close();
    co_return;
  }
  const initiator::SessionInfo before = session.info();
  result.path = before.path;
  result.header_digest = before.params.connection.header_digest;
  result.data_digest = before.params.connection.data_digest;

  // One buffer per request in flight, page-aligned like an O_DIRECT client's, filled with
  // bytes that are not all zero so that nothing along the way can shortcut them.
  const std::size_t stride = (config.block_size + 4095u) & ~std::size_t{4095};
  std::unique_ptr<std::byte, decltype(&std::free)> buffers(
      static_cast<std::byte*>(std::aligned_alloc(4096, stride * config.queue_depth)), &std::free);
  for (std::size_t i = 0; i < stride * config.queue_depth; ++i) buffers.get()[i] = static_cast<std::byte>(i * 131 + 7);

  Workload w(config);
  w.device = device.device.get();
  w.slots = geometry.size() / config.block_size;
  w.latencies_us.reserve(1 << 16);
  log << "uiscsi-bench io: " << config.url.host << ":" << config.url.port << " " << config.url.target_name << " LUN "
      << config.url.lun << ", " << config.rw_name() << " " << config.block_size << " B "
      << (config.pattern == AccessPattern::sequential ? "seq" : "rand") << " at QD" << config.queue_depth << " on "
      << offload::name(result.path.in_use) << "\n";

  const std::optional<double> target_before = config.target_pid ? process_cpu_seconds(*config.target_pid) : std::nullopt;
  const double client_before = self_rusage_seconds();
  const Clock::time_point start = Clock::now();
  w.deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(config.seconds));
  // The last worker to finish cancels the timer this coroutine waits on.
  asio::steady_timer all_done(io, asio::steady_timer::time_point::max());
  std::size_t running = config.queue_depth;
  for (std::uint32_t i = 0; i < config.queue_depth; ++i) {
    asio::co_spawn(io, worker(w, buffers.get() + i * stride), [&running, &all_done](std::exception_ptr) {
      if (--running == 0) all_done.cancel();
    });
  }
  // A benchmark must end even when the path under test stalls: once no request has
  // completed for kStall, the session is closed (its requests then fail) and the run
  // reports the stall instead of waiting for the initiator's own recovery.
  constexpr auto kStall = std::chrono::seconds(15);
  asio::steady_timer watchdog(io);
  std::function<void(boost::system::error_code)> check;
  std::uint64_t seen = 0;
  Clock::time_point last_progress = start;
  check = [&](boost::system::error_code ec) {
    if (ec || running == 0) return;
    const std::uint64_t done = w.reads + w.writes;
    const Clock::time_point now = Clock::now();
    if (done != seen) {
      seen = done;
      last_progress = now;
    } else if (now - last_progress >= kStall) {
      w.stalled = true;
      w.error = "stalled: " + std::to_string(running) + " of " + std::to_string(config.queue_depth) +
                " requests made no progress for " + std::to_string(kStall.count()) + " s (" +
                std::to_string(session.info().outstanding_tasks) + " tasks outstanding in the session)";
      session.close();
      return;
    }
    watchdog.expires_after(std::chrono::seconds(1));
    watchdog.async_wait(check);
  };
  watchdog.expires_after(std::chrono::seconds(1));
  watchdog.async_wait(check);
  boost::system::error_code cancelled;
  if (running > 0) co_await all_done.async_wait(asio::redirect_error(asio::use_awaitable, cancelled));
  watchdog.cancel();
  const Clock::time_point end = Clock::now();
  result.client_cpu_seconds = self_rusage_seconds() - client_before;
  if (target_before) {
    if (const auto after = process_cpu_seconds(*config.target_pid)) result.target_cpu_seconds = *after - *target_before;
  }
  result.seconds = std::chrono::duration<double>(end - start).count();
  const initiator::SessionInfo after = session.info();
  result.counters = minus(after.counters, before.counters);
  result.path.mode = after.path.mode;  // placement may stop MSG_ZEROCOPY during the run
  result.reads = w.reads;
  result.writes = w.writes;
  result.bytes = w.bytes;
  if (!w.latencies_us.empty()) {
    std::sort(w.latencies_us.begin(), w.latencies_us.end());
    result.latency = {percentile(w.latencies_us, 50), percentile(w.latencies_us, 99), percentile(w.latencies_us, 99.9)};
  }
  result.error = w.error;
  if (!w.stalled) co_await session.logout();
}

}  // namespace

std::optional<double> IoResult::target_cpu_per_gb() const {
  if (!target_cpu_seconds || bytes == 0) return std::nullopt;
  return *target_cpu_seconds / (static_cast<double>(bytes) / 1e9);
}

double IoResult::copied_per_delivered() const {
  const std::uint64_t delivered = counters.bytes_placed + counters.bytes_copied;
  return delivered ? static_cast<double>(counters.bytes_copied) / static_cast<double>(delivered) : 0;
}

IoResult run_io(const IoConfig& config, std::ostream& log) {
  IoResult result;
  result.config = config;
  asio::io_context io;
  bool finished = false;
  asio::co_spawn(io, run_session(io, config, result, log), [&](std::exception_ptr e) {
    finished = true;
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        result.error = std::string("unexpected failure: ") + x.what();
      }
    }
  });
  // The session's background loops (NOP pings) would keep run() going: stop once the
  // benchmark is done, then give the logout's teardown a bounded moment.
  while (!finished && io.run_one() > 0) {
  }
  io.restart();
  io.run_for(std::chrono::milliseconds(200));
  return result;
}

}  // namespace uiscsi::bench
