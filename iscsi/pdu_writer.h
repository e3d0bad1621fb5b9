// Builds the scatter-gather list for one outgoing PDU (RFC 7143 11.1):
//   BHS | AHS | HeaderDigest | data... | padding | DataDigest
// The caller's data is never copied. The writer fills in TotalAHSLength and
// DataSegmentLength, and owns only the bytes it adds (padding, digests) and the iovec array.
// A data segment may also name a file range (OutgoingPdu::file): the iovecs then leave a gap
// for it at file_position(), which the transport fills from the file when it sends.
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

// A data segment that stays in a file until it is sent: the transport hands it to the
// kernel with sendfile(2), so the bytes go from the page cache to the socket without a
// copy through user space (the target's Data-In from a file backend).
struct FileSegment {
  int fd = -1;  // readable; the sender keeps it open until the send has completed
  std::uint64_t offset = 0;
  std::size_t length = 0;  // 0: the PDU has no file segment
};

struct OutgoingPdu {
  Bhs bhs;                                // from a typed PDU's encode()
  std::span<const std::byte> ahs = {};    // a multiple of 4 bytes, at most kMaxAhsLength
  std::span<const iovec> data = {};       // the data segment, unpadded
  // Instead of `data`, which must then be empty: the data segment is read from a file when
  // it is sent. Only with DataDigest=None, because the writer never sees the bytes to
  // digest them (and they may change until the kernel has sent them): prepare() fails
  // with pdu_errc::file_data_with_digest otherwise.
  FileSegment file = {};
};

class PduWriter {
 public:
  explicit PduWriter(DigestConfig digests = {});

  // Between PDUs, e.g. when digests turn on after login.
  void set_digests(DigestConfig digests) noexcept { digests_ = digests; }
  DigestConfig digests() const noexcept { return digests_; }

  // Sets pdu.bhs's TotalAHSLength and DataSegmentLength and returns the iovecs to send.
  // On error returns an empty span and sets `ec`: bad_ahs (AHS not a multiple of 4),
  // ahs_too_long, data_segment_too_long (data above the 24-bit field), file_data_with_digest
  // (a file segment with DataDigest on, or with memory data as well).
  std::span<const iovec> prepare(OutgoingPdu& pdu, std::error_code& ec);

  // Total bytes of the last prepared PDU (0 after an error), a file segment included.
  std::size_t size() const noexcept { return size_; }
  // With a file segment: how many of the returned iovecs go before it (BHS, AHS, header
  // digest); the rest (padding) go after it. Without one: all of them.
  std::size_t file_position() const noexcept { return file_position_; }

 private:
  DigestConfig digests_;
  std::vector<iovec> iov_;  // reused: allocates only when a PDU has more iovecs than before
  std::array<std::byte, 4> padding_{};
  std::array<std::byte, kDigestLength> header_digest_{};
  std::array<std::byte, kDigestLength> data_digest_{};
  std::size_t size_ = 0;
  std::size_t file_position_ = 0;
};

}  // namespace uiscsi::iscsi
