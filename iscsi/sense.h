// SCSI sense data (SPC-4 4.5): fixed format (response codes 70h/71h) and descriptor format
// (72h/73h), and its iSCSI wrapping in the SCSI Response data segment (RFC 7143 11.4.7.2).
//
// Ownership: encoders return a new std::vector the caller owns. parse_sense() copies every
// field into SenseData and keeps no reference to the input. split_sense_segment() returns
// views into the caller's segment buffer, valid as long as that buffer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <system_error>
#include <vector>

#include "iscsi/sense_codes.h"

namespace uiscsi::iscsi::scsi {

enum class SenseFormat : std::uint8_t { fixed, descriptor };

// The three sense-key-specific bytes (SPC-4 4.5.2.4), SKSV bit included (bit 7 of byte 0).
using SenseKeySpecific = std::array<std::uint8_t, 3>;

// Field pointer for ILLEGAL REQUEST (SPC-4 4.5.2.4.2): which byte (and optionally which bit)
// of the CDB (in_cdb) or of the parameter list was wrong.
constexpr SenseKeySpecific make_field_pointer(bool in_cdb, std::uint16_t byte,
                                              std::optional<std::uint8_t> bit = std::nullopt) noexcept {
  const std::uint8_t bpv_bits = bit ? static_cast<std::uint8_t>(0x08 | (*bit & 0x07)) : 0;
  return {static_cast<std::uint8_t>(0x80 | (in_cdb ? 0x40 : 0) | bpv_bits),
          static_cast<std::uint8_t>(byte >> 8), static_cast<std::uint8_t>(byte)};
}

struct SenseData {
  // Deferred error (71h/73h) rather than current (70h/72h).
  bool deferred = false;
  SenseCode code;
  // INFORMATION: for block devices the LBA of the failure, e.g. the first miscompared block of
  // COMPARE AND WRITE (SBC-3 5.2) or the unreadable LBA of a medium error.
  std::optional<std::uint64_t> information;
  // COMMAND-SPECIFIC INFORMATION (e.g. EXTENDED COPY); fixed format cannot mark it absent,
  // so parsing fixed sense yields a value only when the field is non-zero.
  std::optional<std::uint64_t> command_specific;
  // Present iff SKSV is set.
  std::optional<SenseKeySpecific> sense_key_specific;
  // Incorrect length indicator (fixed byte 2 bit 5; block commands descriptor 05h).
  bool ili = false;

  friend bool operator==(const SenseData&, const SenseData&) = default;
};

// Fixed format is always 18 bytes here (additional sense length 10).
inline constexpr std::size_t kFixedSenseLength = 18;
// The longest sense data SPC-4 4.5.1 allows (additional sense length 244).
inline constexpr std::size_t kMaxSenseLength = 252;

// Fixed format has 4-byte INFORMATION and COMMAND-SPECIFIC fields. A wider value cannot be
// represented: INFORMATION is then sent with VALID = 0 (SPC-4 4.5.3) and COMMAND-SPECIFIC
// as zero. Use the descriptor format (D_SENSE, or any LBA >= 2^32) to report such values.
std::vector<std::byte> encode_sense(const SenseData& sense, SenseFormat format);

// Parses either format. The data may be cut short by an allocation length: fields past the
// end are absent, but the bytes up to the ASCQ must be there (14 for fixed, 8 for descriptor
// format). Unknown descriptor types are skipped; a descriptor truncated at the end is
// ignored. `format`, if given, receives the format found.
std::error_code parse_sense(std::span<const std::byte> data, SenseData& out,
                            SenseFormat* format = nullptr);

// The SCSI Response data segment (RFC 7143 11.4.7.2): a 2-byte big-endian SenseLength, the
// sense data, then (for bidirectional or other response data) more bytes. Padding to 4 bytes
// is the PDU writer's job and not included.
std::vector<std::byte> encode_sense_segment(const SenseData& sense, SenseFormat format);
// Raw sense bytes (e.g. from a pass-through backend), cut at kMaxSenseLength.
std::vector<std::byte> encode_sense_segment(std::span<const std::byte> sense_bytes);

// Splits a received segment. An empty segment, or SenseLength 0, yields empty sense.
// data_errc::truncated if SenseLength exceeds the segment.
std::error_code split_sense_segment(std::span<const std::byte> segment,
                                    std::span<const std::byte>& sense,
                                    std::span<const std::byte>& response_data);

// What an initiator reports for a CHECK CONDITION whose SCSI Response data segment is
// `segment`: the sense code as an error_code of sense_category() (so its message reads
// "ILLEGAL REQUEST: LOGICAL BLOCK ADDRESS OUT OF RANGE (5/21h/00h)"); a data_errc if the
// sense data is malformed; Status::check_condition (scsi.status) if there is none. Sense
// that parses to NO SENSE 00h/00h is reported as CHECK CONDITION too, never as success.
std::error_code check_condition_error(std::span<const std::byte> segment);

}  // namespace uiscsi::iscsi::scsi
