#include "target/iscsi/task.h"

#include <algorithm>

#include "iscsi/bhs.h"
#include "target/iscsi/error.h"

namespace uiscsi::target::iscsit {

DataOutTracker::DataOutTracker(std::uint32_t expected_length, std::uint32_t immediate_length, bool final,
                               const DataOutLimits& limits) noexcept
    : expected_(expected_length),
      immediate_(immediate_length),
      command_final_(final),
      limits_(limits),
      received_(std::min(immediate_length, expected_length)),
      unsolicited_end_(received_),
      // With F=1 on the command nothing unsolicited follows: the R2Ts start after the
      // immediate data (RFC 7143 11.3.4).
      unsolicited_done_(final),
      solicited_next_(received_) {}

std::error_code DataOutTracker::check_command() const noexcept {
  if (immediate_ > 0 && !limits_.immediate_data) return errc::protocol_error;  // RFC 7143 13.11
  if (immediate_ > expected_) return errc::protocol_error;                    // RFC 7143 11.3.4
  // RFC 7143 13.14: unsolicited data (immediate and Data-Out together) within
  // FirstBurstLength.
  if (immediate_ > limits_.first_burst_length) return errc::protocol_error;
  // RFC 7143 13.10: with InitialR2T=Yes the initiator sends no unsolicited Data-Out, so the
  // command must have F=1.
  if (!command_final_ && limits_.initial_r2t) return errc::protocol_error;
  // F=0 announces unsolicited Data-Out: there must be room for it.
  if (!command_final_ && immediate_ >= std::min(expected_, limits_.first_burst_length)) return errc::protocol_error;
  return {};
}

std::error_code DataOutTracker::take_unsolicited(const iscsi::DataOut& header, std::uint32_t length) noexcept {
  if (unsolicited_done_) return errc::protocol_error;  // the unsolicited burst already ended
  if (header.data_sn != unsolicited_data_sn_) return errc::protocol_error;  // RFC 7143 11.7.5
  if (header.buffer_offset != unsolicited_end_) return errc::protocol_error;  // DataPDUInOrder
  const std::uint64_t end = std::uint64_t{header.buffer_offset} + length;
  if (end > expected_ || end > limits_.first_burst_length) return errc::protocol_error;  // RFC 7143 13.14
  ++unsolicited_data_sn_;
  unsolicited_end_ = static_cast<std::uint32_t>(end);
  received_ += length;
  if (header.final) {
    unsolicited_done_ = true;
    solicited_next_ = unsolicited_end_;
  }
  return {};
}

std::error_code DataOutTracker::on_data_out(const iscsi::DataOut& header, std::uint32_t length) noexcept {
  if (header.target_transfer_tag == iscsi::kReservedTag) return take_unsolicited(header, length);
  const auto burst = std::find_if(bursts_.begin(), bursts_.end(), [&](const Burst& b) {
    return b.target_transfer_tag == header.target_transfer_tag;
  });
  if (burst == bursts_.end()) return errc::protocol_error;  // no R2T with this TTT outstanding
  // RFC 7143 11.7.5: DataSN starts at 0 for every R2T-solicited burst.
  if (header.data_sn != burst->next_data_sn) return errc::protocol_error;
  if (header.buffer_offset != burst->next_offset) return errc::protocol_error;
  const std::uint64_t end = std::uint64_t{header.buffer_offset} + length;
  if (end > burst->end) return errc::protocol_error;
  // F marks the last Data-Out of the burst, and only that one (RFC 7143 11.7.1).
  if (header.final != (end == burst->end)) return errc::protocol_error;
  received_ += length;
  if (header.final) {
    bursts_.erase(burst);
  } else {
    burst->next_offset = static_cast<std::uint32_t>(end);
    ++burst->next_data_sn;
  }
  return {};
}

DataInSplitter::DataInSplitter(std::uint32_t length, std::uint32_t max_segment, std::uint32_t max_burst) noexcept
    : length_(length), max_segment_(std::max<std::uint32_t>(max_segment, 1)),
      max_burst_(std::max<std::uint32_t>(max_burst, 1)) {}

std::optional<DataInSegment> DataInSplitter::next() noexcept {
  if (offset_ >= length_) return std::nullopt;
  const std::uint32_t length = std::min({max_segment_, max_burst_ - burst_used_, length_ - offset_});
  DataInSegment s{offset_, length, false, false};
  offset_ += length;
  burst_used_ += length;
  s.last = offset_ == length_;
  s.final = s.last || burst_used_ == max_burst_;
  if (s.final) burst_used_ = 0;
  return s;
}

bool Task::ready() const noexcept {
  if (!ordered || executed || aborted.load(std::memory_order_relaxed)) return false;
  return refusal || !writes || writes->complete();
}

Residual residual_of(std::uint32_t expected_length, std::uint32_t command_length) noexcept {
  if (command_length > expected_length) return {true, false, command_length - expected_length};
  if (command_length < expected_length) return {false, true, expected_length - command_length};
  return {};
}

}  // namespace uiscsi::target::iscsit

namespace uiscsi::target::iscsit {

Residual read_residual(std::uint32_t expected_length, std::uint32_t command_length,
                       std::uint32_t transferred) noexcept {
  if (command_length > expected_length) return {true, false, command_length - expected_length};
  if (transferred < expected_length) return {false, true, expected_length - transferred};
  return {};
}

}  // namespace uiscsi::target::iscsit
