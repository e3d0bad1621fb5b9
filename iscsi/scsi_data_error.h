// Errors of the SCSI data parsers the initiator runs on what a target returned: sense data,
// READ CAPACITY / INQUIRY / VPD / GET LBA STATUS / REPORT LUNS parameter data.
//
// (Parsers the target runs on what an initiator sent, i.e. CDBs and parameter lists, report
// errors as SCSI sense codes instead, see iscsi/sense_codes.h, because the target answers
// them with CHECK CONDITION.)
#pragma once

#include <system_error>

namespace uiscsi::iscsi::scsi {

enum class data_errc {
  // Fewer bytes than the fixed part of the structure.
  truncated = 1,
  // A format code, response code or page code other than the one being parsed.
  unexpected_format,
  // A length field that contradicts the structure (e.g. a descriptor too short for its type).
  bad_length,
};

const std::error_category& data_category() noexcept;
std::error_code make_error_code(data_errc e) noexcept;

}  // namespace uiscsi::iscsi::scsi

template <>
struct std::is_error_code_enum<uiscsi::iscsi::scsi::data_errc> : std::true_type {};
