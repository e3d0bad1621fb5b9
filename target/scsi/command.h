// One SCSI command as the iSCSI session layer hands it to the SCSI device emulation, and its
// outcome (SAM-5 "Execute Command" remote procedure call).
//
// Buffer ownership: the caller (the session layer) owns every buffer a Command refers to,
// and they must stay valid until execute() returns; the SCSI layer keeps no reference to
// them afterwards. A Response owns its sense bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "iscsi/scsi_status.h"
#include "target/backend/backend.h"

namespace uiscsi::target::scsi {

// SAM-5 5.3.1 status codes (GOOD, CHECK CONDITION, RESERVATION CONFLICT ...).
using Status = iscsi::scsi::Status;

// An I_T nexus: one initiator port talking to one target port. For iSCSI an I_T nexus is a
// session (RFC 7143 4.4.2); its SCSI port names are the iSCSI node names with the ISID or
// the TPGT appended (RFC 7143 13.5.1, SPC-4 7.6.4.6).
//
// Every per-nexus state of the SCSI layer (unit attentions, reservation holders, PR
// registrations) is keyed by the port names, not by a session object, so a session that
// reinstates another (same InitiatorName and ISID) is the same I_T nexus, as SAM-5 requires.
struct Nexus {
  // "<InitiatorName>,i,0x<ISID as 12 hex digits>", e.g. "iqn.1993-08.org.debian:01:ab,i,0x23d000000001".
  std::string initiator_port;
  // "<TargetName>,t,0x<TPGT as 4 hex digits>", e.g. "iqn.2024-01.org.uiscsi:disk1,t,0x0001".
  std::string target_port;
  // The SCSI relative target port identifier of target_port (non-zero, SPC-4 7.8.6.6).
  std::uint16_t relative_target_port_id = 1;

  friend bool operator==(const Nexus&, const Nexus&) = default;
};

struct Command {
  const Nexus& nexus;
  // The whole CDB (6 to 16 bytes, or longer with an Extended CDB AHS, RFC 7143 11.3.5).
  std::span<const std::byte> cdb;
  // Data-Out: all the write data the initiator sent for this command, gathered into one
  // buffer by the caller (immediate + unsolicited + solicited, RFC 7143 11.3.4). Its size
  // is what arrived, normally the ExpectedDataTransferLength. Empty for reads.
  std::span<const std::byte> data_out;
  // Data-In: the caller's buffer, sized to the ExpectedDataTransferLength (the Bidirectional
  // Read Expected Data Transfer Length for a bidirectional command). The SCSI layer writes
  // at most data_in.size() bytes from the start and reports how many in
  // Response::data_in_length. Empty for writes.
  std::span<std::byte> data_in;
  // The caller can send Data-In straight from a file (sendfile(2)): a READ whose blocks
  // lie in one file range then answers with Response::data_in_file and leaves data_in
  // untouched. Set only where the data is not digested (DataDigest=None): the bytes are
  // read when they are sent, so they may be newer than at execution, which SAM-5 allows
  // for overlapping commands in flight together but a digest computed earlier would not.
  bool data_in_from_file = false;
};

struct Response {
  Status status = Status::good;
  // Bytes written at the start of Command::data_in; never more than data_in.size().
  std::uint32_t data_in_length = 0;
  // Bytes the command would have transferred (in its one data direction) had the initiator's
  // buffer been large enough: the transfer length for READ/WRITE, min(allocation length,
  // available data) for data-in commands, the parameter list length for data-out commands.
  // The caller derives residuals from it (RFC 7143 11.4.5.1): Residual Overflow when it is
  // above ExpectedDataTransferLength, Residual Underflow when it is below.
  std::uint32_t expected_length = 0;
  // Sense data (SPC-4 4.5) when status is CHECK CONDITION, else empty. The caller wraps it
  // with iscsi::scsi::encode_sense_segment() or prefixes the SenseLength itself.
  std::vector<std::byte> sense;
  // Set instead of filling Command::data_in (only when Command::data_in_from_file): the
  // data_in_length bytes of Data-In are this file range. `data_in_owner` keeps the
  // logical unit, and so the descriptor, open until the caller has sent them, even if the
  // LUN is removed meanwhile.
  std::optional<FileExtent> data_in_file;
  std::shared_ptr<const void> data_in_owner;
};

}  // namespace uiscsi::target::scsi
