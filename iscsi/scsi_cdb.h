// SCSI CDB decoding (what the target does with a received CDB) for the block read/write
// family and the commands the initiator issues. Builders are in iscsi/scsi_cdb_build.h.
//
// Decoders read the caller's span and copy every field into a plain struct; they keep no
// reference. They report errors as SCSI sense codes (iscsi/sense_codes.h) because the target
// answers a bad CDB with CHECK CONDITION: ILLEGAL REQUEST with
//   INVALID COMMAND OPERATION CODE  the opcode (or service action) is not this decoder's,
//   INVALID FIELD IN CDB            the span is shorter than the opcode's CDB, or a field
//                                   holds a reserved value.
// Reserved bits are otherwise not checked (SPC-4 4.2.1 allows either).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>

#include "iscsi/scsi_opcode.h"

namespace uiscsi::iscsi::scsi {

// What a block command of the READ/WRITE family does with the medium.
enum class BlockOp : std::uint8_t { read, write, verify, write_and_verify, write_same, compare_and_write };

// READ/WRITE (6, 10, 12, 16), VERIFY and WRITE AND VERIFY (10, 12, 16), WRITE SAME (10, 16)
// and COMPARE AND WRITE, decoded into one view (SBC-3 5.2, 5.7-5.13, 5.25-5.29, 5.41-5.48).
struct ReadWrite {
  Opcode opcode = Opcode::read_10;
  BlockOp op = BlockOp::read;
  std::uint64_t lba = 0;
  // In logical blocks. READ (6) / WRITE (6): a zero field means 256 (SBC-3 5.10, 5.36), and
  // this holds 256. WRITE SAME: NUMBER OF LOGICAL BLOCKS (0 = to the end of the medium);
  // COMPARE AND WRITE: NUMBER OF LOGICAL BLOCKS (1 byte).
  std::uint32_t transfer_length = 0;
  bool fua = false;
  bool dpo = false;
  // RDPROTECT / WRPROTECT / VRPROTECT (byte 1 bits 7-5); 0 for the 6-byte CDBs.
  std::uint8_t protect = 0;
  // GROUP NUMBER (bits 4-0); 0 for the 6-byte CDBs.
  std::uint8_t group = 0;
  // VERIFY / WRITE AND VERIFY: BYTCHK (byte 1 bits 2-1). 00b verify the medium only (no
  // Data-Out); 01b compare with Data-Out; 11b (VERIFY only) compare one block of Data-Out
  // with every block. 10b is reserved and refused by the decoder.
  std::uint8_t bytchk = 0;
  // WRITE SAME: UNMAP, ANCHOR, NDOB (no Data-Out buffer, WRITE SAME (16) only).
  bool unmap = false;
  bool anchor = false;
  bool ndob = false;

  // Logical blocks of data this command moves: Data-In for reads, Data-Out otherwise. The
  // session layer checks this against the ExpectedDataTransferLength (RFC 7143 11.3.4).
  std::uint64_t data_blocks() const noexcept;

  friend bool operator==(const ReadWrite&, const ReadWrite&) = default;
};

std::error_code decode_read_write(std::span<const std::byte> cdb, ReadWrite& out);
// Whether decode_read_write() handles this opcode.
bool is_read_write(std::uint8_t opcode) noexcept;

// INQUIRY (SPC-4 6.6).
struct InquiryCdb {
  bool evpd = false;
  std::uint8_t page_code = 0;
  std::uint16_t allocation_length = 0;
  friend bool operator==(const InquiryCdb&, const InquiryCdb&) = default;
};
// A page code without EVPD is INVALID FIELD IN CDB (SPC-4 6.6.1).
std::error_code decode_inquiry(std::span<const std::byte> cdb, InquiryCdb& out);

// REQUEST SENSE (SPC-4 6.39).
struct RequestSenseCdb {
  bool descriptor_format = false;  // DESC
  std::uint8_t allocation_length = 0;
  friend bool operator==(const RequestSenseCdb&, const RequestSenseCdb&) = default;
};
std::error_code decode_request_sense(std::span<const std::byte> cdb, RequestSenseCdb& out);

// MODE SENSE (6) and (10) (SPC-4 6.11, 6.12).
struct ModeSenseCdb {
  bool ten = false;     // MODE SENSE (10)
  bool dbd = false;     // disable block descriptors
  bool llbaa = false;   // long LBA block descriptors accepted (10 only)
  std::uint8_t page_control = 0;  // PC: 0 current, 1 changeable, 2 default, 3 saved
  std::uint8_t page_code = 0;
  std::uint8_t subpage_code = 0;
  std::uint16_t allocation_length = 0;  // one byte for MODE SENSE (6)
  friend bool operator==(const ModeSenseCdb&, const ModeSenseCdb&) = default;
};
std::error_code decode_mode_sense(std::span<const std::byte> cdb, ModeSenseCdb& out);

// SERVICE ACTION IN (16): READ CAPACITY (16) and GET LBA STATUS (SBC-3 5.16, 5.8). For
// READ CAPACITY (16) the LBA field is obsolete and decoded as is.
struct ServiceActionIn16Cdb {
  ServiceActionIn16 action = ServiceActionIn16::read_capacity_16;
  std::uint64_t lba = 0;
  std::uint32_t allocation_length = 0;
  friend bool operator==(const ServiceActionIn16Cdb&, const ServiceActionIn16Cdb&) = default;
};
// Other service actions are INVALID FIELD IN CDB (the opcode itself is supported).
std::error_code decode_service_action_in_16(std::span<const std::byte> cdb, ServiceActionIn16Cdb& out);

// REPORT LUNS (SPC-4 6.33).
struct ReportLunsCdb {
  std::uint8_t select_report = 0;
  std::uint32_t allocation_length = 0;
  friend bool operator==(const ReportLunsCdb&, const ReportLunsCdb&) = default;
};
std::error_code decode_report_luns(std::span<const std::byte> cdb, ReportLunsCdb& out);

// SYNCHRONIZE CACHE (10) and (16) (SBC-3 5.22, 5.23). blocks == 0 means "to the end".
struct SynchronizeCacheCdb {
  std::uint64_t lba = 0;
  std::uint32_t blocks = 0;
  bool immed = false;
  std::uint8_t group = 0;
  friend bool operator==(const SynchronizeCacheCdb&, const SynchronizeCacheCdb&) = default;
};
std::error_code decode_synchronize_cache(std::span<const std::byte> cdb, SynchronizeCacheCdb& out);

// UNMAP (SBC-3 5.28); the parameter list is in iscsi/scsi_unmap.h.
struct UnmapCdb {
  bool anchor = false;
  std::uint8_t group = 0;
  std::uint16_t parameter_list_length = 0;
  friend bool operator==(const UnmapCdb&, const UnmapCdb&) = default;
};
std::error_code decode_unmap(std::span<const std::byte> cdb, UnmapCdb& out);

}  // namespace uiscsi::iscsi::scsi
