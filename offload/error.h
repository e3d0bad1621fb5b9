// Errors of the offload layer: connection ends, misuse of a transport, and path selection.
//
// Errors from the byte stream below keep their own categories: socket errors arrive as
// system errors (an aborted operation compares equal to std::errc::operation_canceled),
// framing and digest errors as iscsi::pdu_errc (see iscsi/pdu_error.h).
#pragma once

#include <system_error>

namespace uiscsi::offload {

enum class errc {
  // The peer closed the connection at a PDU boundary.
  closed = 1,
  // The connection ended inside a PDU (a truncated header, AHS, data segment or digest).
  closed_mid_pdu,
  // receive() was called while another receive() on the same transport was pending.
  receive_in_progress,
  // The transport cannot do what was asked (see Capabilities).
  not_supported,
  // An explicitly requested path is not registered or not usable on this host.
  path_unavailable,
  // A data segment sent from a file (iscsi::FileSegment) reaches past the file's end: the
  // file is shorter than the range it named, or shrank while it was being sent.
  file_ended,
};

const std::error_category& offload_category() noexcept;
std::error_code make_error_code(errc e) noexcept;

}  // namespace uiscsi::offload

template <>
struct std::is_error_code_enum<uiscsi::offload::errc> : std::true_type {};
