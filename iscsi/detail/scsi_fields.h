// Internal helpers for the SCSI encoders and decoders in iscsi/: byte access on spans whose
// length the caller has already checked, and the sense codes every CDB decoder reports.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>

#include "iscsi/detail/byte_order.h"
#include "iscsi/sense_codes.h"

namespace uiscsi::iscsi::scsi::detail {

using iscsi::detail::load_be16;
using iscsi::detail::load_be32;
using iscsi::detail::load_be64;
using iscsi::detail::load_u8;
using iscsi::detail::store_be16;
using iscsi::detail::store_be32;
using iscsi::detail::store_be64;
using iscsi::detail::store_u8;

inline std::uint8_t byte_at(std::span<const std::byte> s, std::size_t i) noexcept {
  return std::to_integer<std::uint8_t>(s[i]);
}
inline bool bit_at(std::span<const std::byte> s, std::size_t i, std::uint8_t mask) noexcept {
  return (byte_at(s, i) & mask) != 0;
}

inline std::error_code invalid_opcode() noexcept {
  return make_error_code(SenseCode{SenseKey::illegal_request, asc::invalid_command_operation_code});
}
inline std::error_code invalid_field_in_cdb() noexcept {
  return make_error_code(SenseCode{SenseKey::illegal_request, asc::invalid_field_in_cdb});
}
inline std::error_code invalid_field_in_parameter_list() noexcept {
  return make_error_code(SenseCode{SenseKey::illegal_request, asc::invalid_field_in_parameter_list});
}
inline std::error_code parameter_list_length_error() noexcept {
  return make_error_code(SenseCode{SenseKey::illegal_request, asc::parameter_list_length_error});
}

// A CDB span shorter than its opcode's CDB cannot be decoded.
inline std::error_code check_cdb(std::span<const std::byte> cdb, std::size_t length) noexcept {
  return cdb.size() < length ? invalid_field_in_cdb() : std::error_code{};
}

}  // namespace uiscsi::iscsi::scsi::detail
