// Errors a Backend detects itself (the "target.backend" category). Errors from the
// operating system keep their system category; see target/backend/backend.h.
#pragma once

#include <system_error>

namespace uiscsi::target {

enum class backend_errc {
  // The request reaches past the last block (a caller bug: the SCSI layer checks first).
  out_of_range = 1,
  // A buffer that is not a whole number of blocks.
  misaligned,
  // The backend cannot do this (see Features).
  not_supported,
  // A configuration the factory cannot build (unknown kind, bad block size, no size).
  invalid_config,
  // A file shorter than one block, or whose size is not a multiple of the block size.
  bad_size,
};

const std::error_category& backend_category() noexcept;
std::error_code make_error_code(backend_errc e) noexcept;

}  // namespace uiscsi::target

template <>
struct std::is_error_code_enum<uiscsi::target::backend_errc> : std::true_type {};
