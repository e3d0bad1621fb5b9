#include "iscsi/pdu_writer.h"

#include "crc/crc32c.h"
#include "iscsi/pdu_ahs.h"
#include "iscsi/pdu_error.h"

namespace uiscsi::iscsi {
namespace {

// iovec has a non-const base pointer; the writer's output is only ever read (writev/sendmsg).
iovec view(const void* base, std::size_t length) noexcept {
  return {const_cast<void*>(base), length};
}

}  // namespace

PduWriter::PduWriter(DigestConfig digests) : digests_(digests) {}

std::span<const iovec> PduWriter::prepare(OutgoingPdu& pdu, std::error_code& ec) {
  ec.clear();
  size_ = 0;
  file_position_ = 0;
  iov_.clear();
  if (pdu.ahs.size() > kMaxAhsLength) {
    ec = pdu_errc::ahs_too_long;
    return {};
  }
  if ((ec = validate_ahs(pdu.ahs))) return {};
  std::size_t data_length = 0;
  for (const iovec& v : pdu.data) data_length += v.iov_len;
  const bool from_file = pdu.file.length != 0;
  // The writer never sees a file segment's bytes, so it cannot digest them; and a data
  // segment comes from one place or the other.
  if (from_file && (digests_.data_digest || data_length != 0)) {
    ec = pdu_errc::file_data_with_digest;
    return {};
  }
  if (from_file) data_length = pdu.file.length;
  if (data_length > kMaxDataSegmentLength) {
    ec = pdu_errc::data_segment_too_long;
    return {};
  }

  pdu.bhs.set_total_ahs_length(static_cast<std::uint8_t>(pdu.ahs.size() / 4));
  pdu.bhs.set_data_segment_length(static_cast<std::uint32_t>(data_length));

  iov_.push_back(view(pdu.bhs.raw.data(), kBhsLength));
  if (!pdu.ahs.empty()) iov_.push_back(view(pdu.ahs.data(), pdu.ahs.size()));
  if (digests_.header_digest) {
    store_digest(header_digest(pdu.bhs, pdu.ahs), header_digest_);
    iov_.push_back(view(header_digest_.data(), kDigestLength));
  }
  const std::size_t file_position = iov_.size();  // a file segment's bytes go here
  for (const iovec& v : pdu.data) {
    if (v.iov_len != 0) iov_.push_back(v);
  }
  const std::size_t pad = padding_length(data_length);
  const std::span<const std::byte> padding(padding_.data(), pad);  // padding_ stays zero
  if (pad != 0) iov_.push_back(view(padding_.data(), pad));
  // No data segment, no data digest (RFC 7143 11.1). (Never with a file segment, above.)
  if (digests_.data_digest && data_length != 0) {
    store_digest(crc::crc32c(padding, crc::crc32c(pdu.data)), data_digest_);
    iov_.push_back(view(data_digest_.data(), kDigestLength));
  }

  file_position_ = from_file ? file_position : iov_.size();
  size_ = pdu.file.length;
  for (const iovec& v : iov_) size_ += v.iov_len;
  return iov_;
}

}  // namespace uiscsi::iscsi
