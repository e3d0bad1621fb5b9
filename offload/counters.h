// Per-connection byte and PDU counters.
//
// A transport updates its counters only from its own io_context thread; any thread (a stats
// endpoint, `uiscsiadm`) may read a snapshot at any time. Each counter therefore has a
// single writer, so it is updated with a relaxed load and store instead of an atomic
// read-modify-write: no locked instruction on the data path, and readers never see a torn
// value.
#pragma once

#include <atomic>
#include <cstdint>

namespace uiscsi::offload {

// A snapshot. Data-segment bytes of every delivered PDU are counted exactly once, in one of
// bytes_placed, bytes_copied or bytes_owned, except those of a PDU whose task was forgotten
// while it arrived (discarded, see Transport::forget).
struct Counters {
  std::uint64_t bytes_received = 0;  // every byte read from the socket, framing included
  std::uint64_t bytes_sent = 0;      // every byte written to the socket, framing included
  // Written by the transport straight into expect()ed buffers with no intermediate buffer
  // (a `readv` into them, or RDMA).
  std::uint64_t bytes_placed = 0;
  // Copied from the receive buffer into expect()ed buffers (the tcp path's placement).
  std::uint64_t bytes_copied = 0;
  // Delivered in the PDU's own buffer: no expectation for the tag, or not covered by it.
  std::uint64_t bytes_owned = 0;
  std::uint64_t pdus_received = 0;
  std::uint64_t pdus_sent = 0;
  std::uint64_t digest_errors = 0;  // header and data digest mismatches
  // Data-In / Data-Out PDUs with data that no expectation covered.
  std::uint64_t placement_misses = 0;
  // Expectations dropped to make room for newer ones (see TransportOptions).
  std::uint64_t expectation_evictions = 0;
};

// The live counters a transport owns. Writer: the transport's thread only.
class LiveCounters {
 public:
  struct Cell {
    void add(std::uint64_t n) noexcept {
      value.store(value.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    std::uint64_t get() const noexcept { return value.load(std::memory_order_relaxed); }
    std::atomic<std::uint64_t> value{0};
  };

  Cell bytes_received, bytes_sent, bytes_placed, bytes_copied, bytes_owned;
  Cell pdus_received, pdus_sent, digest_errors, placement_misses, expectation_evictions;

  Counters snapshot() const noexcept {
    return {bytes_received.get(), bytes_sent.get(),    bytes_placed.get(),
            bytes_copied.get(),   bytes_owned.get(),   pdus_received.get(),
            pdus_sent.get(),      digest_errors.get(), placement_misses.get(),
            expectation_evictions.get()};
  }
};

}  // namespace uiscsi::offload
