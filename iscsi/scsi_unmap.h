// The UNMAP parameter list (SBC-3 5.28.2): an 8-byte header and 16-byte block descriptors.
// The initiator encodes it as the Data-Out of an UNMAP CDB (cdb::unmap()); the target parses
// it and reports problems as sense codes, since it answers them with CHECK CONDITION.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>
#include <vector>

namespace uiscsi::iscsi::scsi {

struct UnmapDescriptor {
  std::uint64_t lba = 0;
  std::uint32_t blocks = 0;
  friend bool operator==(const UnmapDescriptor&, const UnmapDescriptor&) = default;
};

// The 16-bit PARAMETER LIST LENGTH limits a list to (65535 - 8) / 16 descriptors.
inline constexpr std::size_t kMaxUnmapDescriptors = 4095;

// Replaces `out` with the encoded list; std::errc::value_too_large (and `out` untouched) for
// more than kMaxUnmapDescriptors descriptors.
std::error_code encode_unmap_list(std::span<const UnmapDescriptor> descriptors, std::vector<std::byte>& out);

// Parses the Data-Out of an UNMAP command into `out` (replaced). An empty list (PARAMETER
// LIST LENGTH 0) is valid and has no descriptors. 1..7 bytes is PARAMETER LIST LENGTH ERROR
// (SBC-3 5.28.2). A UNMAP BLOCK DESCRIPTOR DATA LENGTH beyond the data actually sent is cut
// to it, and an incomplete last descriptor is ignored, as SBC-3 says (and as LIO does). The
// caller checks the count against its MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT.
std::error_code parse_unmap_list(std::span<const std::byte> list, std::vector<UnmapDescriptor>& out);

}  // namespace uiscsi::iscsi::scsi
