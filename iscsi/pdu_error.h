// Errors of the PDU layer: framing (parser), building (writer) and AHS decoding.
//
// Every parser error poisons the parser: after it the byte stream has no trustworthy PDU
// boundary, so the connection must be dropped (error recovery level 0, RFC 7143 7.1.4.1).
// Digest errors have their own values so the upper layers can count them and, at higher
// error recovery levels, tell them apart from protocol errors (RFC 7143 7.8, 7.9).
#pragma once

#include <system_error>

namespace uiscsi::iscsi {

enum class pdu_errc {
  // DataSegmentLength above our MaxRecvDataSegmentLength (parser, RFC 7143 13.12), or
  // above the 24-bit field (writer). The parser reports it before allocating anything.
  data_segment_too_long = 1,
  // Writer: more than 255 words of AHS (RFC 7143 11.2.1.4).
  ahs_too_long,
  // The AHS segments do not add up to TotalAHSLength, or an AHS is not a multiple of 4
  // bytes, or (typed decode) an AHS is unknown, duplicated or has the wrong length.
  bad_ahs,
  // The HeaderDigest / DataDigest CRC32C does not match (RFC 7143 11.1, 13.1).
  header_digest_mismatch,
  data_digest_mismatch,
  // place_data(): the destination holds fewer bytes than DataSegmentLength.
  placement_too_small,
  // place_data(): called outside the window between Event::header and the next put().
  placement_not_allowed,
  // set_limits(): called in the middle of a PDU.
  mid_pdu,
  // Writer: a FileSegment data segment with DataDigest on (see OutgoingPdu::file), or
  // with memory data as well.
  file_data_with_digest,
};

const std::error_category& pdu_category() noexcept;
std::error_code make_error_code(pdu_errc e) noexcept;

// True for header_digest_mismatch and data_digest_mismatch.
bool is_digest_error(const std::error_code& ec) noexcept;

}  // namespace uiscsi::iscsi

template <>
struct std::is_error_code_enum<uiscsi::iscsi::pdu_errc> : std::true_type {};
