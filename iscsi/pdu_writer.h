// Builds the scatter-gather list for one outgoing PDU (RFC 7143 11.1):
//   BHS | AHS | HeaderDigest | data... | padding | DataDigest
// The caller's data is never copied. The writer fills in TotalAHSLength and
// DataSegmentLength, and owns only the bytes it adds (padding, digests) and the iovec array.
//
// Lifetime: the returned iovecs point into `pdu.bhs`, `pdu.ahs`, the caller's data buffers
// and the writer. They are valid until the next prepare()/set_digests() or the writer's
// destruction, and only while the OutgoingPdu and the caller's buffers live, unchanged
// (the digests were computed over them).
//
// The writer does not enforce the peer's MaxRecvDataSegmentLength: splitting data into
// PDUs is the session layer's job. It only checks the field widths.
#pragma once

#include <sys/uio.h>

#include <array>
#include <cstddef>
#include <span>
#include <system_error>
#include <vector>

#include "iscsi/bhs.h"
#include "iscsi/digest.h"

namespace uiscsi::iscsi {

struct OutgoingPdu {
  Bhs bhs;                                // from a typed PDU's encode()
  std::span<const std::byte> ahs = {};    // a multiple of 4 bytes, at most kMaxAhsLength
  std::span<const iovec> data = {};       // the data segment, unpadded
};

class PduWriter {
 public:
  explicit PduWriter(DigestConfig digests = {});

  // Between PDUs, e.g. when digests turn on after login.
  void set_digests(DigestConfig digests) noexcept { digests_ = digests; }
  DigestConfig digests() const noexcept { return digests_; }

  // Sets pdu.bhs's TotalAHSLength and DataSegmentLength and returns the iovecs to send.
  // On error returns an empty span and sets `ec`: bad_ahs (AHS not a multiple of 4),
  // ahs_too_long, data_segment_too_long (data above the 24-bit field).
  std::span<const iovec> prepare(OutgoingPdu& pdu, std::error_code& ec);

  // Total bytes of the last prepared PDU (0 after an error).
  std::size_t size() const noexcept { return size_; }

 private:
  DigestConfig digests_;
  std::vector<iovec> iov_;  // reused: allocates only when a PDU has more iovecs than before
  std::array<std::byte, 4> padding_{};
  std::array<std::byte, kDigestLength> header_digest_{};
  std::array<std::byte, kDigestLength> data_digest_{};
  std::size_t size_ = 0;
};

}  // namespace uiscsi::iscsi
