// A connected pair of transports in one process, with fault injection, for the tests of
// every layer above offload (link uiscsi::offload).
//
// The pair runs over socketpair(AF_UNIX, SOCK_STREAM) rather than an in-memory pipe: each
// transport then owns a real kernel socket (native_handle() is valid; closing one end is
// seen by the other exactly as with TCP) and runs the very stream code of the tcp path,
// without taking a port. Faults are injected on the receive side of each transport, between
// the socket and the PDU parser (see offload/detail/rx_filter.h for why there).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "offload/detail/rx_filter.h"
#include "offload/transport.h"

namespace boost::asio {
class io_context;
}

namespace uiscsi::offload::testing {

// Faults on the bytes one transport receives. Offsets count from the first byte received.
struct Faults {
  // Discard PDU number `drop_pdu` (from 1) on arrival, as if it was never sent; 0: none.
  std::uint64_t drop_pdu = 0;
  // Every read returns a single byte, so the parser resumes at every byte boundary.
  bool byte_at_a_time = false;
  // Flip every bit of the byte at this stream offset.
  std::optional<std::uint64_t> corrupt_offset;
  // The connection breaks after this many bytes: the receiver sees the stream end there
  // (errc::closed or errc::closed_mid_pdu) and the socket is shut down for both ends.
  std::optional<std::uint64_t> close_after;
};

// The injector of one transport. Tests may change `faults` between operations (on the
// io_context's thread) and read what it has seen.
class FaultInjector final : public offload::detail::RxFilter {
 public:
  explicit FaultInjector(Faults faults = {}) : faults(faults) {}

  Faults faults;

  // Drops the next PDU whose header has not been fully received yet.
  void drop_next_pdu() noexcept { faults.drop_pdu = pdus_seen_ + 1; }
  std::uint64_t bytes_seen() const noexcept { return bytes_seen_; }
  std::uint64_t pdus_seen() const noexcept { return pdus_seen_; }
  std::uint64_t pdus_dropped() const noexcept { return pdus_dropped_; }

 private:
  std::size_t read_limit(std::size_t space) override;
  void on_read(std::span<std::byte> chunk) override;
  bool drop_pdu(std::uint64_t index) override;

  std::uint64_t bytes_seen_ = 0;
  std::uint64_t pdus_seen_ = 0;
  std::uint64_t pdus_dropped_ = 0;
};

struct LoopbackPair {
  std::unique_ptr<Transport> first, second;
  // The faults on what `first` (resp. `second`) receives.
  std::shared_ptr<FaultInjector> first_faults, second_faults;
};

// Both transports run the stream code of `path` and report PathInfo{path, path} and AF_UNIX
// endpoints: Path::tcp, or Path::placement (data segments read straight into expect()ed
// buffers; AF_UNIX refuses SO_ZEROCOPY, so its sends copy, as the placement path does
// wherever the kernel refuses it). Throws std::invalid_argument for another path and
// std::system_error if socketpair(2) fails (test set-up only).
LoopbackPair make_loopback_pair(boost::asio::io_context& io, Faults first_receives = {},
                                Faults second_receives = {},
                                const TransportOptions& options = {}, Path path = Path::tcp);

}  // namespace uiscsi::offload::testing
