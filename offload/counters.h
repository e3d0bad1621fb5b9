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
// while it arrived (discarded, see Transport::forget). One PDU's bytes may be split between
// bytes_copied (what was already in the read-ahead buffer) and bytes_placed (the rest).
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
  // Data-In / Data-Out PDUs whose data segment an expectation covered (placed or copied).
  std::uint64_t placement_hits = 0;
  // send(2) calls made with MSG_ZEROCOPY, and the bytes they took.
  std::uint64_t zerocopy_sends = 0;
  std::uint64_t bytes_zerocopy = 0;
  // Of those calls, how many the kernel reported it had copied after all
  // (SO_EE_CODE_ZEROCOPY_COPIED: e.g. loopback, or a device without scatter-gather).
  std::uint64_t zerocopy_copied = 0;
  // Data-segment bytes sent from a file with sendfile(2) (OutgoingPdu::file), and those
  // read into a buffer first because the path does not send files (Capabilities::file_send).
  std::uint64_t bytes_sendfile = 0;
  std::uint64_t bytes_file_read = 0;
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
  Cell placement_hits, zerocopy_sends, bytes_zerocopy, zerocopy_copied;
  Cell bytes_sendfile, bytes_file_read;

  Counters snapshot() const noexcept {
    Counters c;
    c.bytes_received = bytes_received.get();
    c.bytes_sent = bytes_sent.get();
    c.bytes_placed = bytes_placed.get();
    c.bytes_copied = bytes_copied.get();
    c.bytes_owned = bytes_owned.get();
    c.pdus_received = pdus_received.get();
    c.pdus_sent = pdus_sent.get();
    c.digest_errors = digest_errors.get();
    c.placement_misses = placement_misses.get();
    c.expectation_evictions = expectation_evictions.get();
    c.placement_hits = placement_hits.get();
    c.zerocopy_sends = zerocopy_sends.get();
    c.bytes_zerocopy = bytes_zerocopy.get();
    c.zerocopy_copied = zerocopy_copied.get();
    c.bytes_sendfile = bytes_sendfile.get();
    c.bytes_file_read = bytes_file_read.get();
    return c;
  }
};

}  // namespace uiscsi::offload
