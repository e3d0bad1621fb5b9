// What a command handler works with (Request) and the helpers that build its Response.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <system_error>

#include "iscsi/sense.h"
#include "target/scsi/command.h"

namespace uiscsi::target::scsi::detail {

struct LuState;

// What the response helpers below need: the command and how to word sense data. Also used
// on its own for LUNs without a logical unit (target.cpp).
struct Reply {
  const Command& command;
  // Sense format for this command: descriptor when the control mode page D_SENSE is set.
  iscsi::scsi::SenseFormat sense_format = iscsi::scsi::SenseFormat::fixed;
  // Bytes the CDB asks to transfer (Response::expected_length); a handler sets it as soon
  // as the CDB is decoded, so error responses carry it too (the caller's residuals).
  std::uint32_t expected_length = 0;

  std::span<const std::byte> cdb() const noexcept { return command.cdb; }
  const Nexus& nexus() const noexcept { return command.nexus; }
};

// A command addressed to a logical unit.
struct Request : Reply {
  Request(LuState& lu_in, const Command& command_in) : Reply{command_in}, lu(lu_in) {}
  LuState& lu;
};

Response good(const Reply& req);
// Copies `data` (the complete parameter data) to Data-In, cut at `allocation_length` and at
// the caller's buffer, and sets expected_length = min(allocation_length, data.size()).
Response data_in(Reply& req, std::span<const std::byte> data, std::uint32_t allocation_length);
// GOOD with `length` bytes already placed at the start of Command::data_in.
Response good_with_data(Reply& req, std::uint32_t length);

Response check_condition(const Reply& req, const iscsi::scsi::SenseData& sense);
// CHECK CONDITION for an error of the iscsi/scsi_cdb.h decoders (a sense_category code).
Response cdb_error(const Reply& req, std::error_code ec);
Response check_condition(const Reply& req, iscsi::scsi::SenseKey key, iscsi::scsi::AdditionalSense asc);
// ILLEGAL REQUEST, INVALID FIELD IN CDB with a field pointer (SPC-4 4.5.2.4.2).
Response invalid_field_in_cdb(const Reply& req, std::uint16_t byte, std::optional<std::uint8_t> bit = std::nullopt);
// ILLEGAL REQUEST, INVALID FIELD IN PARAMETER LIST with a field pointer.
Response invalid_field_in_parameter_list(const Reply& req, std::uint16_t byte,
                                         std::optional<std::uint8_t> bit = std::nullopt);
Response parameter_list_length_error(const Reply& req);
Response lba_out_of_range(const Reply& req);
Response write_protected(const Reply& req);
Response reservation_conflict(const Reply& req);

enum class IoDirection { read, write };
// Maps a Backend error to sense data: EIO / EBADMSG to MEDIUM ERROR (UNRECOVERED READ ERROR
// or WRITE ERROR), ENOSPC / EDQUOT to DATA PROTECT, SPACE ALLOCATION FAILED WRITE PROTECT
// (SBC-3 4.7.3.6), EROFS to WRITE PROTECTED, anything else to HARDWARE ERROR, INTERNAL
// TARGET FAILURE.
Response backend_failure(const Reply& req, std::error_code ec, IoDirection direction);

}  // namespace uiscsi::target::scsi::detail
