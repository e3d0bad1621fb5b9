// One SCSI task of a session (RFC 7143 3.2.3): its data transfer bookkeeping. No I/O: the
// connection (connection.h) sends what these objects plan and feeds them what arrives.
//
//  - DataOutTracker: the write side. It checks every Data-Out of the task (immediate data,
//    the unsolicited burst, and the solicited bursts) against RFC 7143 and the negotiated
//    limits, and plans the R2Ts: bursts of at most MaxBurstLength, at most
//    MaxOutstandingR2T outstanding at once (RFC 7143 13.13-13.17).
//  - DataInSplitter: the read side. It cuts the data into Data-In PDUs of at most the
//    initiator's MaxRecvDataSegmentLength, in sequences of at most MaxBurstLength (F bit at
//    the end of each, RFC 7143 11.7.1).
//  - residual_of: the O/U flags and Residual Count (RFC 7143 11.4.5).
//
// The session runs with DataPDUInOrder=Yes and DataSequenceInOrder=Yes (config.h), so the
// PDUs of one sequence arrive in offset order; bursts of different R2Ts are tracked
// separately, so an initiator that interleaves them is still understood.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <system_error>
#include <vector>

#include "iscsi/pdu_data.h"
#include "iscsi/pdu_scsi.h"
#include "target/scsi/command.h"

namespace uiscsi::target::iscsit {

// The negotiated values the write side needs (from iscsi::SessionParams).
struct DataOutLimits {
  std::uint32_t first_burst_length = 65536;
  std::uint32_t max_burst_length = 262144;
  std::uint32_t max_outstanding_r2t = 1;
  bool initial_r2t = true;
  bool immediate_data = true;
};

// One R2T to send (RFC 7143 11.8). The connection fills in the sequence numbers of the
// session (StatSN, ExpCmdSN, MaxCmdSN) when it sends it.
struct R2tPlan {
  std::uint32_t target_transfer_tag = 0;
  std::uint32_t r2t_sn = 0;
  std::uint32_t buffer_offset = 0;
  std::uint32_t desired_data_transfer_length = 0;
};

class DataOutTracker {
 public:
  // `expected_length`: the ExpectedDataTransferLength of the write (the whole buffer);
  // `immediate_length`: the data segment of the SCSI Command; `final`: its F bit (no
  // unsolicited Data-Out follows when set).
  DataOutTracker(std::uint32_t expected_length, std::uint32_t immediate_length, bool final,
                 const DataOutLimits& limits) noexcept;

  // Whether the command's own data is acceptable (RFC 7143 13.10, 13.14, 11.3.4): no
  // immediate data unless ImmediateData=Yes, no more than FirstBurstLength nor the expected
  // length, and unsolicited Data-Out (F=0) only with InitialR2T=No. errc::protocol_error
  // otherwise.
  std::error_code check_command() const noexcept;

  // Checks one Data-Out header of this task whose data segment holds `length` bytes and, if
  // it is acceptable, counts its range as received. errc::protocol_error for anything
  // RFC 7143 does not allow at ErrorRecoveryLevel 0: an unknown Target Transfer Tag, a
  // DataSN or BufferOffset out of order (11.7.5, 11.7.6; DataPDUInOrder=Yes), data beyond
  // the burst, the F bit in the wrong place, unsolicited data beyond FirstBurstLength.
  std::error_code on_data_out(const iscsi::DataOut& header, std::uint32_t length) noexcept;

  // Appends the R2Ts that may be sent now. `next_ttt` hands out Target Transfer Tags
  // unique on the connection; `next_r2t_sn` is the task's R2TSN counter (shared with
  // Data-In DataSN for bidirectional commands, RFC 7143 11.8.5), advanced per R2T.
  template <typename TagSource>
  void plan_r2ts(TagSource&& next_ttt, std::uint32_t& next_r2t_sn, std::vector<R2tPlan>& out);

  // The unsolicited part (immediate data and unsolicited Data-Out) has ended.
  bool unsolicited_done() const noexcept { return unsolicited_done_; }
  // Every byte of the expected length has arrived.
  bool complete() const noexcept { return received_ == expected_; }
  std::uint32_t received() const noexcept { return received_; }
  std::uint32_t expected_length() const noexcept { return expected_; }
  // Outstanding R2Ts (for the status output and tests).
  std::size_t outstanding_r2ts() const noexcept { return bursts_.size(); }

 private:
  struct Burst {
    std::uint32_t target_transfer_tag;
    std::uint32_t next_offset;
    std::uint32_t end;  // one past its last byte
    std::uint32_t next_data_sn = 0;
  };

  bool solicited_phase() const noexcept { return unsolicited_done_; }
  std::error_code take_unsolicited(const iscsi::DataOut& header, std::uint32_t length) noexcept;

  std::uint32_t expected_;
  std::uint32_t immediate_;
  bool command_final_;
  DataOutLimits limits_;
  std::uint32_t received_ = 0;
  // Unsolicited data (immediate + Data-Out with the reserved TTT, RFC 7143 3.2.4.2).
  std::uint32_t unsolicited_end_ = 0;     // the next unsolicited offset
  std::uint32_t unsolicited_data_sn_ = 0; // DataSN of the next unsolicited Data-Out
  bool unsolicited_done_ = false;
  // Solicited data: bursts asked for with an R2T and not yet complete.
  std::uint32_t solicited_next_ = 0;  // the first offset no R2T asked for yet
  std::vector<Burst> bursts_;
};

template <typename TagSource>
void DataOutTracker::plan_r2ts(TagSource&& next_ttt, std::uint32_t& next_r2t_sn, std::vector<R2tPlan>& out) {
  if (!solicited_phase()) return;
  while (solicited_next_ < expected_ && bursts_.size() < limits_.max_outstanding_r2t) {
    const std::uint32_t length = std::min(limits_.max_burst_length, expected_ - solicited_next_);
    const std::uint32_t ttt = next_ttt();
    bursts_.push_back({ttt, solicited_next_, solicited_next_ + length});
    out.push_back({ttt, next_r2t_sn++, solicited_next_, length});
    solicited_next_ += length;
  }
}

// One Data-In PDU's share of the read data.
struct DataInSegment {
  std::uint32_t buffer_offset = 0;
  std::uint32_t length = 0;
  bool final = false;  // F: the last PDU of a sequence (of the whole transfer when last)
  bool last = false;   // the last Data-In of the task
};

class DataInSplitter {
 public:
  // `max_segment`: the initiator's MaxRecvDataSegmentLength; `max_burst`: MaxBurstLength.
  DataInSplitter(std::uint32_t length, std::uint32_t max_segment, std::uint32_t max_burst) noexcept;
  // The next segment, or nullopt when the data is exhausted. Zero-length data has no
  // segments.
  std::optional<DataInSegment> next() noexcept;

 private:
  std::uint32_t length_;
  std::uint32_t max_segment_;
  std::uint32_t max_burst_;
  std::uint32_t offset_ = 0;
  std::uint32_t burst_used_ = 0;
};

// RFC 7143 11.4.5.1: the residual of a command whose initiator expected `expected_length`
// bytes (ExpectedDataTransferLength) and whose SCSI command wanted `command_length` bytes
// (what the CDB asks to transfer, target/scsi/command.h Response::expected_length).
struct Residual {
  bool overflow = false;   // O: the command wanted more than the initiator expected
  bool underflow = false;  // U: it wanted less
  std::uint32_t count = 0;
};
Residual residual_of(std::uint32_t expected_length, std::uint32_t command_length) noexcept;
// The residual of a read that sent `transferred` bytes: overflow as residual_of(), and
// underflow counted from what really went out, so a short read is never reported as full.
Residual read_residual(std::uint32_t expected_length, std::uint32_t command_length,
                       std::uint32_t transferred) noexcept;

class Connection;

// A SCSI task in flight (RFC 7143 3.2.3). Made by its allegiant connection when the SCSI
// Command arrives, and changed only on that connection's thread, except `aborted`, which a
// task management function on another connection, a session reinstatement or a PREEMPT
// AND ABORT may set from any thread. Shared (shared_ptr) between the session's task table,
// the connection, and the queued Data-In PDUs that point into `data_in`.
struct Task {
  iscsi::ScsiCommand command;  // header fields and the extended CDB
  std::vector<std::byte> cdb;  // the whole CDB
  bool immediate = false;
  // Data-Out (writes): the whole ExpectedDataTransferLength, filled by immediate data,
  // copies of Data-Out segments, or the transport's direct placement (Transport::expect).
  std::unique_ptr<std::byte[]> data_out;
  std::uint32_t data_out_size = 0;
  std::optional<DataOutTracker> writes;
  // Data-In (reads): allocated when the task executes, freed with the task once the last
  // Data-In PDU that points into it has been sent.
  std::unique_ptr<std::byte[]> data_in;
  std::uint32_t data_in_size = 0;
  // R2TSN and Data-In DataSN: one counter, so a bidirectional command numbers R2Ts and
  // Data-In in one space (RFC 7143 11.7.5, 11.8.5); ExpDataSN of the response.
  std::uint32_t next_sn = 0;
  // The CmdSN order released it (an immediate command at once).
  bool ordered = false;
  // A non-immediate command holds one CommandWindow slot from its release until its
  // response is queued or it is aborted.
  bool holds_slot = false;
  bool executed = false;
  // Answered with this instead of being executed: unsolicited data against the negotiated
  // rules, a transfer larger than we buffer, no buffer budget left, or Data-Out that broke
  // the sequence rules. Its remaining Data-Out is dropped as it arrives.
  std::optional<scsi::Response> refusal;
  std::atomic<bool> aborted{false};
  std::weak_ptr<Connection> connection;  // allegiance (RFC 7143 3.2.3)

  std::uint32_t itt() const noexcept { return command.initiator_task_tag; }
  std::uint64_t lun() const noexcept { return command.lun; }
  // Ready to execute (released by the CmdSN order, all its data in), or to be refused
  // (released by the CmdSN order).
  bool ready() const noexcept;
};

}  // namespace uiscsi::target::iscsit
