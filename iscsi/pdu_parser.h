// Resumable iSCSI PDU framer (RFC 7143 11.1). No I/O: the transport feeds it bytes.
//
//   PduParser p(limits);
//   for each received chunk `in`:
//     for (;;) {
//       auto r = p.put(in);  in = in.subspan(r.consumed);
//       if (r.ec) -> drop the connection (the parser is poisoned; framing is lost)
//       if (r.event == Event::need_more) break;  // all of `in` was consumed; read more
//       if (r.event == Event::header) -> look at p.bhs(); optionally p.place_data(iovecs)
//       if (r.event == Event::pdu)    -> Pdu pdu = p.take(); hand it to the session layer
//     }
//
// Every PDU produces Event::header and then Event::pdu, in that order, even when it has no
// data segment (then the put() after Event::header returns Event::pdu and consumes nothing).
// put() consumes input only up to the next event: with Event::need_more it has consumed
// all of `input`; with Event::header / Event::pdu possibly less.
//
// Validation happens at the header stage, before anything is allocated: the AHS goes into
// a fixed in-object buffer (at most 1020 bytes), the header digest is checked, and
// DataSegmentLength is checked against max_recv_data_segment_length. Only then, and only
// when the caller did not place the data, is the data buffer allocated (through the
// memory_resource given to the constructor). Padding is consumed; the data digest covers
// data and padding and is computed as the bytes arrive.
//
// The parser only frames: unknown opcodes and opcode-specific rules (e.g. which PDUs may
// carry data) are the session layer's business. It checks the AHS chain structure
// (pdu_errc::bad_ahs), not the AHS types.
#pragma once

#include <sys/uio.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <span>
#include <system_error>
#include <vector>

#include "crc/crc32c.h"
#include "iscsi/bhs.h"
#include "iscsi/digest.h"

namespace uiscsi::iscsi {

struct PduLimits {
  // Our declared MaxRecvDataSegmentLength (RFC 7143 13.12): the largest DataSegmentLength we
  // accept. 8192 is the default that applies during login.
  std::uint32_t max_recv_data_segment_length = 8192;
  bool header_digest = false;
  bool data_digest = false;

  DigestConfig digests() const noexcept { return {header_digest, data_digest}; }
  friend bool operator==(const PduLimits&, const PduLimits&) = default;
};

// A received PDU. Owns its AHS and (unless placed) its data segment, both allocated from
// the parser's memory_resource; padding and digests are not included.
struct Pdu {
  Bhs bhs;
  std::pmr::vector<std::byte> ahs;
  std::pmr::vector<std::byte> data;  // empty when data_placed
  bool data_placed = false;          // the data went to the place_data() destination
};

class PduParser {
 public:
  // `memory` must outlive the parser and every Pdu it returns.
  explicit PduParser(PduLimits limits = {},
                     std::pmr::memory_resource* memory = std::pmr::get_default_resource());

  // Only between PDUs (before the first byte of the next BHS), e.g. after login when
  // digests turn on and MaxRecvDataSegmentLength changes. Returns pdu_errc::mid_pdu (and
  // changes nothing) if called mid-PDU.
  std::error_code set_limits(const PduLimits& limits) noexcept;
  const PduLimits& limits() const noexcept { return limits_; }

  enum class Event { need_more, header, pdu };
  struct Result {
    std::size_t consumed;
    Event event;
    std::error_code ec;  // set => the parser is poisoned; event is need_more
  };

  // Consumes as much of `input` as it can, up to the next event. After an error every call
  // returns the same error and consumes nothing. Calling put() after Event::pdu without
  // take() drops that PDU. The only exception it lets through is the memory_resource's
  // failure to allocate a data buffer (std::bad_alloc from the default resource).
  Result put(std::span<const std::byte> input);

  // Valid after Event::header until the next put() after Event::pdu (or take()).
  const Bhs& bhs() const noexcept { return bhs_; }
  std::span<const std::byte> ahs() const noexcept { return {ahs_.data(), bhs_.ahs_bytes()}; }

  // After Event::header and before the next put(): write this PDU's data segment into
  // `dest` instead of an owned buffer (direct placement). `dest` (the iovec array and the
  // memory it points to) is caller-owned and must stay valid until Event::pdu or until the
  // parser is destroyed; its total size must be >= DataSegmentLength (the first
  // DataSegmentLength bytes are written, in order). The bytes are written as they arrive,
  // before the data digest is checked: on data_digest_mismatch `dest` holds the bad data.
  // Errors (the parser stays usable): placement_not_allowed, placement_too_small.
  [[nodiscard]] std::error_code place_data(std::span<const iovec> dest) noexcept;

  // Stops writing into the place_data() destination, from now until the end of the current
  // PDU: the rest of its data segment is still consumed and digested, but discarded. For a
  // transport whose task was cancelled while its Data-In was half received, so the task's
  // buffers can be freed at once. The PDU is still delivered with data_placed set. No effect
  // when no placement is active.
  void abandon_placement() noexcept { placement_abandoned_ = data_placed_; }

  // --- Direct placement by the caller ---------------------------------------------------
  // A transport can move a placed data segment from its socket straight into the
  // destination (readv(2)) instead of through a receive buffer and put(). While
  // placement_active(), placement_window() says where the data segment's next bytes go; once
  // the caller has written the next `n` bytes of the stream there, skip_placed(n) digests
  // them in place (the DataDigest is computed over them right after they landed, while they
  // are in cache) and moves on, exactly as if put() had delivered them. put() and
  // skip_placed() may alternate within one data segment; padding and digests always go
  // through put(), which also reports the end of the PDU (Event::pdu) as usual.
  //
  //   if (p.placement_active() && p.data_remaining() >= threshold) {
  //     iovec iov[16];
  //     auto window = p.placement_window(iov);
  //     n = readv(fd, window);                    // nothing else may run in between
  //     p.skip_placed(n);
  //   }

  // Bytes of the current data segment not consumed yet: DataSegmentLength from Event::header
  // on, down to 0 when the data segment is complete; 0 outside a data segment.
  std::size_t data_remaining() const noexcept;
  // From a successful place_data() until the data segment is complete, unless the placement
  // was abandoned or the parser is poisoned.
  bool placement_active() const noexcept;
  // Fills `out` with the destination of the data segment's next bytes, in order, covering
  // data_remaining() bytes or as many as `out`'s entries can; returns the filled prefix
  // (empty unless placement_active()). The iovecs point into the place_data() destination.
  std::span<iovec> placement_window(std::span<iovec> out) const noexcept;
  // The caller has written the data segment's next `n` bytes (of the stream, in order) into
  // placement_window(). Returns placement_not_allowed and changes nothing unless
  // placement_active() and n <= data_remaining().
  [[nodiscard]] std::error_code skip_placed(std::size_t n) noexcept;

  // After Event::pdu (precondition): the PDU, and the parser is reset for the next one.
  // Allocates the Pdu's AHS copy, if the PDU has an AHS, from the memory_resource.
  Pdu take();

  // The error that poisoned the parser, if any.
  std::error_code error() const noexcept { return error_; }

 private:
  enum class State { bhs, ahs, header_digest, header_ready, data, padding, data_digest, done };

  Result fail(std::size_t consumed, std::error_code ec) noexcept;
  bool fill(std::byte* part, std::size_t part_length, std::span<const std::byte> input,
            std::size_t& used) noexcept;
  std::error_code check_header() const noexcept;
  void start_data();
  std::size_t consume_data(std::span<const std::byte> input) noexcept;
  template <typename Visit>
  void walk_placed(std::size_t n, Visit visit) noexcept;
  void reset() noexcept;

  PduLimits limits_;
  std::pmr::memory_resource* memory_;
  State state_ = State::bhs;
  std::error_code error_;

  Bhs bhs_;
  std::array<std::byte, kMaxAhsLength> ahs_{};
  std::array<std::byte, kDigestLength> digest_{};
  std::size_t got_ = 0;  // bytes of the current part (BHS, AHS, digest, data, padding) so far

  std::pmr::vector<std::byte> data_;
  bool data_placed_ = false;
  bool placement_abandoned_ = false;
  std::span<const iovec> placed_;
  std::size_t placed_index_ = 0;   // current iovec in placed_
  std::size_t placed_offset_ = 0;  // bytes written into placed_[placed_index_]
  crc::Crc32c data_crc_;
};

}  // namespace uiscsi::iscsi
