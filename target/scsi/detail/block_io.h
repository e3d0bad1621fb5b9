// Checks and I/O steps the block commands (SBC-3) share.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "iscsi/scsi_cdb.h"
#include "target/scsi/detail/request.h"

namespace uiscsi::target::scsi::detail {

// Offset of the TRANSFER LENGTH (or NUMBER OF LOGICAL BLOCKS) field of a block CDB, for
// field pointers.
std::uint16_t transfer_length_field(const iscsi::scsi::ReadWrite& rw) noexcept;

// Bytes for `blocks` blocks, clamped to what Response::expected_length can hold (a CDB may
// ask for more than 4 GiB; such a command fails anyway).
std::uint32_t clamp_bytes(std::uint64_t blocks, std::uint32_t block_size) noexcept;

// LOGICAL BLOCK ADDRESS OUT OF RANGE unless [lba, lba + blocks) is on the medium.
std::optional<Response> check_range(Request& req, std::uint64_t lba, std::uint64_t blocks);
// INVALID FIELD IN CDB above the MAXIMUM TRANSFER LENGTH (VPD B0h).
std::optional<Response> check_transfer(Request& req, std::uint64_t blocks, std::uint16_t field);
// DATA PROTECT, WRITE PROTECTED for a write-protected medium (configuration or SWP).
std::optional<Response> check_writable(Request& req);
// Data-Out must hold `bytes`: a shorter buffer means the initiator's
// ExpectedDataTransferLength was below what the CDB describes, and nothing is written
// (ILLEGAL REQUEST, INVALID FIELD IN INFORMATION UNIT; FCP-4 9.4.2 b).
std::optional<Response> check_data_out(Request& req, std::uint64_t bytes);

// Writes go to stable storage with FUA, and always when the write cache is disabled
// (caching mode page WCE = 0, SBC-3 6.4.5).
bool force_unit_access(const Request& req, bool fua) noexcept;

// Reads `blocks` blocks at `lba` and compares them with `expected` (which holds either
// the same number of blocks, or one block that every block must equal). Reads in bounded
// chunks. Returns the Response for a read error or a miscompare (MISCOMPARE, MISCOMPARE
// DURING VERIFY OPERATION, INFORMATION = byte offset of the first difference in
// `expected`'s layout), nullopt when everything matched.
std::optional<Response> read_and_compare(Request& req, std::uint64_t lba, std::uint64_t blocks,
                                         std::span<const std::byte> expected);

// Reads the blocks only, to verify the medium (VERIFY with BYTCHK 00b).
std::optional<Response> read_to_verify(Request& req, std::uint64_t lba, std::uint64_t blocks);

// MISCOMPARE sense with the offset of the first differing byte in the INFORMATION field.
Response miscompare(const Request& req, std::uint64_t offset);

}  // namespace uiscsi::target::scsi::detail
