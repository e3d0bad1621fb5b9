// SCSI sense keys and additional sense codes (SPC-4 4.5.6, Annex D), and the "scsi.sense"
// error category that turns a CHECK CONDITION into a readable std::error_code.
//
// The error_code value packs the three fields as (key << 16) | (ASC << 8) | ASCQ. NO SENSE
// with 00h/00h is 0, i.e. "no error"; every other combination is an error. The category
// knows the text of the ASC/ASCQ pairs named below; others print as hex.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>

namespace uiscsi::iscsi::scsi {

enum class SenseKey : std::uint8_t {
  no_sense = 0x0,
  recovered_error = 0x1,
  not_ready = 0x2,
  medium_error = 0x3,
  hardware_error = 0x4,
  illegal_request = 0x5,
  unit_attention = 0x6,
  data_protect = 0x7,
  blank_check = 0x8,
  vendor_specific = 0x9,
  copy_aborted = 0xa,
  aborted_command = 0xb,
  volume_overflow = 0xd,
  miscompare = 0xe,
  completed = 0xf,
};

// An ASC/ASCQ pair.
struct AdditionalSense {
  std::uint8_t asc = 0;
  std::uint8_t ascq = 0;
  friend constexpr bool operator==(AdditionalSense, AdditionalSense) = default;
};

// Sense key plus ASC/ASCQ: what a CHECK CONDITION means.
struct SenseCode {
  SenseKey key = SenseKey::no_sense;
  AdditionalSense additional{};
  friend constexpr bool operator==(const SenseCode&, const SenseCode&) = default;
};

// The ASC/ASCQ pairs the target reports (SPC-4 Annex D, SBC-3 4.18, RFC 7143 11.4.7.2).
namespace asc {
inline constexpr AdditionalSense no_additional_sense{0x00, 0x00};
inline constexpr AdditionalSense logical_unit_not_ready{0x04, 0x00};  // cause not reportable
inline constexpr AdditionalSense logical_unit_becoming_ready{0x04, 0x01};
inline constexpr AdditionalSense logical_unit_not_ready_initializing_required{0x04, 0x02};
inline constexpr AdditionalSense logical_unit_not_ready_manual_intervention{0x04, 0x03};
inline constexpr AdditionalSense logical_unit_not_ready_standby{0x04, 0x0b};
inline constexpr AdditionalSense logical_unit_not_ready_unavailable{0x04, 0x0c};
inline constexpr AdditionalSense logical_unit_communication_failure{0x08, 0x00};
inline constexpr AdditionalSense write_error{0x0c, 0x00};
// RFC 7143 11.4.7.2 "unexpected unsolicited data" / "incorrect amount of data".
inline constexpr AdditionalSense unexpected_unsolicited_data{0x0c, 0x0c};
inline constexpr AdditionalSense not_enough_unsolicited_data{0x0c, 0x0d};
inline constexpr AdditionalSense guard_check_failed{0x10, 0x01};
inline constexpr AdditionalSense application_tag_check_failed{0x10, 0x02};
inline constexpr AdditionalSense reference_tag_check_failed{0x10, 0x03};
inline constexpr AdditionalSense unrecovered_read_error{0x11, 0x00};
// RFC 7143 11.4.7.2 "SNACK rejected": READ ERROR - FAILED RETRANSMISSION REQUEST.
inline constexpr AdditionalSense read_error_failed_retransmission_request{0x11, 0x13};
inline constexpr AdditionalSense parameter_list_length_error{0x1a, 0x00};
inline constexpr AdditionalSense miscompare_during_verify{0x1d, 0x00};
inline constexpr AdditionalSense invalid_command_operation_code{0x20, 0x00};
inline constexpr AdditionalSense lba_out_of_range{0x21, 0x00};
inline constexpr AdditionalSense invalid_field_in_cdb{0x24, 0x00};
inline constexpr AdditionalSense logical_unit_not_supported{0x25, 0x00};
inline constexpr AdditionalSense invalid_field_in_parameter_list{0x26, 0x00};
inline constexpr AdditionalSense parameter_value_invalid{0x26, 0x02};
inline constexpr AdditionalSense invalid_release_of_persistent_reservation{0x26, 0x04};
inline constexpr AdditionalSense write_protected{0x27, 0x00};
inline constexpr AdditionalSense not_ready_to_ready_change{0x28, 0x00};
inline constexpr AdditionalSense power_on_reset_or_bus_device_reset{0x29, 0x00};
inline constexpr AdditionalSense power_on_occurred{0x29, 0x01};
inline constexpr AdditionalSense i_t_nexus_loss_occurred{0x29, 0x07};
inline constexpr AdditionalSense parameters_changed{0x2a, 0x00};
inline constexpr AdditionalSense mode_parameters_changed{0x2a, 0x01};
inline constexpr AdditionalSense reservations_preempted{0x2a, 0x03};
inline constexpr AdditionalSense reservations_released{0x2a, 0x04};
inline constexpr AdditionalSense registrations_preempted{0x2a, 0x05};
inline constexpr AdditionalSense asymmetric_access_state_changed{0x2a, 0x06};
inline constexpr AdditionalSense capacity_data_has_changed{0x2a, 0x09};
inline constexpr AdditionalSense command_sequence_error{0x2c, 0x00};
inline constexpr AdditionalSense commands_cleared_by_another_initiator{0x2f, 0x00};
inline constexpr AdditionalSense saving_parameters_not_supported{0x39, 0x00};
inline constexpr AdditionalSense medium_not_present{0x3a, 0x00};
inline constexpr AdditionalSense inquiry_data_has_changed{0x3f, 0x03};
inline constexpr AdditionalSense reported_luns_data_has_changed{0x3f, 0x0e};
inline constexpr AdditionalSense internal_target_failure{0x44, 0x00};
// RFC 7143 11.4.7.2 "protocol service CRC error" (a Data-Out digest failure).
inline constexpr AdditionalSense protocol_service_crc_error{0x47, 0x05};
inline constexpr AdditionalSense initiator_detected_error_message_received{0x48, 0x00};
inline constexpr AdditionalSense invalid_message_error{0x49, 0x00};
inline constexpr AdditionalSense data_phase_error{0x4b, 0x00};
inline constexpr AdditionalSense overlapped_commands_attempted{0x4e, 0x00};
inline constexpr AdditionalSense insufficient_resources{0x55, 0x03};
inline constexpr AdditionalSense insufficient_registration_resources{0x55, 0x04};
}  // namespace asc

std::string_view sense_key_name(SenseKey key) noexcept;  // "ILLEGAL REQUEST"
// The SPC-4 text of a pair named in asc::, or an empty view for others.
std::string_view additional_sense_text(AdditionalSense as) noexcept;

const std::error_category& sense_category() noexcept;
std::error_code make_error_code(const SenseCode& code) noexcept;
// The SenseCode inside an error_code of sense_category(); nullopt for other categories.
std::optional<SenseCode> to_sense_code(const std::error_code& ec) noexcept;

}  // namespace uiscsi::iscsi::scsi
