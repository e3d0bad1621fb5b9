// Additional Header Segments (RFC 7143 11.2.1.4, 11.3.5): walking and building them.
//
// An AHS is  AHSLength(2, big-endian) | AHSType(1) | AHS-specific (AHSLength bytes) | pad to 4.
// AHSLength counts the AHS-specific bytes, i.e. everything after AHSType, before padding.
// The AHS of a PDU is the concatenation of its AHSs, TotalAHSLength * 4 bytes in all.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>
#include <vector>

namespace uiscsi::iscsi {

enum class AhsType : std::uint8_t {
  extended_cdb = 1,                   // RFC 7143 11.2.2.3
  bidirectional_read_data_length = 2,  // RFC 7143 11.2.2.4
};

// One AHS, viewing the caller's bytes.
struct AhsSegment {
  std::uint8_t type = 0;                // the raw AHSType byte (may be unassigned)
  std::span<const std::byte> specific;  // AHSLength bytes after AHSType, padding excluded
};

// Splits the first AHS off `rest` into `out` and advances `rest` past it and its padding.
// pdu_errc::bad_ahs if `rest` is shorter than the AHS it starts with. Precondition: !rest.empty().
std::error_code next_ahs(std::span<const std::byte>& rest, AhsSegment& out) noexcept;

// Whether `ahs` is a whole number of well-formed AHSs that exactly fills it (and is a
// multiple of 4 bytes). This is the structural check the parser applies.
std::error_code validate_ahs(std::span<const std::byte> ahs) noexcept;

// Appends an Extended CDB AHS carrying `extended_cdb` (the CDB bytes beyond the first 16)
// to `out`. AHSLength = CDB length - 15 (RFC 7143 11.2.2.3). Precondition: not empty.
void append_extended_cdb_ahs(std::vector<std::byte>& out, std::span<const std::byte> extended_cdb);

// Appends a Bidirectional Read Expected Data Transfer Length AHS (AHSLength 5).
void append_bidirectional_read_data_length_ahs(std::vector<std::byte>& out,
                                               std::uint32_t expected_read_length);

}  // namespace uiscsi::iscsi
