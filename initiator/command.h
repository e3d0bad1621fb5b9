// A SCSI command as the session runs it, and what came back.
//
// Buffer ownership: Command::buffers and the memory they point to belong to the caller and
// must stay valid and untouched from the call to Session::execute() until its awaitable
// completes. For a read the Data-In lands there (placed by the transport when it can,
// copied otherwise); for a write the Data-Out is sent from there, possibly more than once
// (a command is sent again after a lost connection or an abort). Nothing is kept after
// completion.
#pragma once

#include <sys/uio.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <system_error>
#include <vector>

#include "iscsi/pdu_scsi.h"
#include "iscsi/scsi_cdb_build.h"

namespace uiscsi::initiator {

enum class DataDirection : std::uint8_t { none, read, write };

struct Command {
  // The 8-byte LUN field (iscsi::scsi::encode_lun()).
  std::uint64_t lun = 0;
  iscsi::scsi::Cdb cdb;
  DataDirection direction = DataDirection::none;
  // Read: where the data goes; write: where it comes from. At least transfer_length bytes.
  std::span<const iovec> buffers;
  // Expected Data Transfer Length (RFC 7143 11.3.5).
  std::uint32_t transfer_length = 0;
  iscsi::TaskAttribute attribute = iscsi::TaskAttribute::simple;
  // Overrides Timeouts::command for this command.
  std::optional<std::chrono::milliseconds> timeout;
};

struct CommandResult {
  // Empty for GOOD (and CONDITION MET). CHECK CONDITION with readable sense: the sense code
  // ("scsi.sense", iscsi/sense_codes.h); another status: "scsi.status"; a command that never
  // got a status: the reason (errc::session_failed, command_timeout, a Reject reason, ...).
  std::error_code ec;
  // Whether the target answered with a SCSI status; `status` and the rest are valid then.
  bool has_status = false;
  std::uint8_t status = 0;
  // The sense data of a CHECK CONDITION (RFC 7143 11.4.7.2), without the SenseLength prefix.
  std::vector<std::byte> sense;
  // RFC 7143 11.4.5: U / O and the Residual Count.
  bool residual_underflow = false;
  bool residual_overflow = false;
  std::uint32_t residual_count = 0;
  // Bytes of Data-In received (reads).
  std::uint32_t data_in_bytes = 0;
};

}  // namespace uiscsi::initiator
