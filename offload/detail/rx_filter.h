// A hook into the receive path of a stream transport, between the socket and the parser.
//
// The test loopback (offload/loopback.h) implements it to inject faults; the tcp transport
// has none. It sits on the receive side because the receive buffer belongs to the
// transport: bytes can be corrupted, split or cut there without copying (or modifying) the
// sender's buffers, and delivering one byte at a time can only be enforced by the reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace uiscsi::offload::detail {

class RxFilter {
 public:
  virtual ~RxFilter() = default;
  // The most bytes the next read may return, given `space` in the buffer. 0 ends the
  // stream here: the transport shuts the socket down as if the connection broke.
  virtual std::size_t read_limit(std::size_t space) = 0;
  // Sees (and may change) every chunk the socket returned, in stream order.
  virtual void on_read(std::span<std::byte> chunk) = 0;
  // Called when PDU number `index` (from 1) starts; true discards it silently.
  virtual bool drop_pdu(std::uint64_t index) = 0;
};

}  // namespace uiscsi::offload::detail
