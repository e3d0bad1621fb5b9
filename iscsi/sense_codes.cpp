#include "iscsi/sense_codes.h"

#include <cstdio>
#include <string>

namespace uiscsi::iscsi::scsi {
namespace {

struct AscText {
  AdditionalSense code;
  std::string_view text;
};

// SPC-4 Annex D wording for every pair in asc::.
constexpr AscText kAscTexts[] = {
    {asc::no_additional_sense, "NO ADDITIONAL SENSE INFORMATION"},
    {asc::logical_unit_not_ready, "LOGICAL UNIT NOT READY, CAUSE NOT REPORTABLE"},
    {asc::logical_unit_becoming_ready, "LOGICAL UNIT IS IN PROCESS OF BECOMING READY"},
    {asc::logical_unit_not_ready_initializing_required,
     "LOGICAL UNIT NOT READY, INITIALIZING COMMAND REQUIRED"},
    {asc::logical_unit_not_ready_manual_intervention,
     "LOGICAL UNIT NOT READY, MANUAL INTERVENTION REQUIRED"},
    {asc::logical_unit_not_ready_standby, "LOGICAL UNIT NOT READY, TARGET PORT IN STANDBY STATE"},
    {asc::logical_unit_not_ready_unavailable,
     "LOGICAL UNIT NOT READY, TARGET PORT IN UNAVAILABLE STATE"},
    {asc::logical_unit_communication_failure, "LOGICAL UNIT COMMUNICATION FAILURE"},
    {asc::write_error, "WRITE ERROR"},
    {asc::unexpected_unsolicited_data, "UNEXPECTED UNSOLICITED DATA"},
    {asc::not_enough_unsolicited_data, "NOT ENOUGH UNSOLICITED DATA"},
    {asc::guard_check_failed, "LOGICAL BLOCK GUARD CHECK FAILED"},
    {asc::application_tag_check_failed, "LOGICAL BLOCK APPLICATION TAG CHECK FAILED"},
    {asc::reference_tag_check_failed, "LOGICAL BLOCK REFERENCE TAG CHECK FAILED"},
    {asc::unrecovered_read_error, "UNRECOVERED READ ERROR"},
    {asc::read_error_failed_retransmission_request, "READ ERROR - FAILED RETRANSMISSION REQUEST"},
    {asc::parameter_list_length_error, "PARAMETER LIST LENGTH ERROR"},
    {asc::miscompare_during_verify, "MISCOMPARE DURING VERIFY OPERATION"},
    {asc::invalid_command_operation_code, "INVALID COMMAND OPERATION CODE"},
    {asc::lba_out_of_range, "LOGICAL BLOCK ADDRESS OUT OF RANGE"},
    {asc::invalid_field_in_cdb, "INVALID FIELD IN CDB"},
    {asc::logical_unit_not_supported, "LOGICAL UNIT NOT SUPPORTED"},
    {asc::invalid_field_in_parameter_list, "INVALID FIELD IN PARAMETER LIST"},
    {asc::parameter_value_invalid, "PARAMETER VALUE INVALID"},
    {asc::invalid_release_of_persistent_reservation, "INVALID RELEASE OF PERSISTENT RESERVATION"},
    {asc::write_protected, "WRITE PROTECTED"},
    {asc::not_ready_to_ready_change, "NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED"},
    {asc::power_on_reset_or_bus_device_reset, "POWER ON, RESET, OR BUS DEVICE RESET OCCURRED"},
    {asc::power_on_occurred, "POWER ON OCCURRED"},
    {asc::i_t_nexus_loss_occurred, "I_T NEXUS LOSS OCCURRED"},
    {asc::parameters_changed, "PARAMETERS CHANGED"},
    {asc::mode_parameters_changed, "MODE PARAMETERS CHANGED"},
    {asc::reservations_preempted, "RESERVATIONS PREEMPTED"},
    {asc::reservations_released, "RESERVATIONS RELEASED"},
    {asc::registrations_preempted, "REGISTRATIONS PREEMPTED"},
    {asc::asymmetric_access_state_changed, "ASYMMETRIC ACCESS STATE CHANGED"},
    {asc::capacity_data_has_changed, "CAPACITY DATA HAS CHANGED"},
    {asc::command_sequence_error, "COMMAND SEQUENCE ERROR"},
    {asc::commands_cleared_by_another_initiator, "COMMANDS CLEARED BY ANOTHER INITIATOR"},
    {asc::saving_parameters_not_supported, "SAVING PARAMETERS NOT SUPPORTED"},
    {asc::medium_not_present, "MEDIUM NOT PRESENT"},
    {asc::inquiry_data_has_changed, "INQUIRY DATA HAS CHANGED"},
    {asc::reported_luns_data_has_changed, "REPORTED LUNS DATA HAS CHANGED"},
    {asc::internal_target_failure, "INTERNAL TARGET FAILURE"},
    {asc::protocol_service_crc_error, "PROTOCOL SERVICE CRC ERROR"},
    {asc::initiator_detected_error_message_received, "INITIATOR DETECTED ERROR MESSAGE RECEIVED"},
    {asc::invalid_message_error, "INVALID MESSAGE ERROR"},
    {asc::data_phase_error, "DATA PHASE ERROR"},
    {asc::overlapped_commands_attempted, "OVERLAPPED COMMANDS ATTEMPTED"},
    {asc::insufficient_resources, "INSUFFICIENT RESOURCES"},
    {asc::insufficient_registration_resources, "INSUFFICIENT REGISTRATION RESOURCES"},
};

constexpr int pack(const SenseCode& c) noexcept {
  return (static_cast<int>(c.key) << 16) | (c.additional.asc << 8) | c.additional.ascq;
}

constexpr SenseCode unpack(int ev) noexcept {
  return {static_cast<SenseKey>((ev >> 16) & 0x0f),
          {static_cast<std::uint8_t>(ev >> 8), static_cast<std::uint8_t>(ev)}};
}

class SenseCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "scsi.sense"; }

  // "ILLEGAL REQUEST: LOGICAL BLOCK ADDRESS OUT OF RANGE (5/21h/00h)"
  std::string message(int ev) const override {
    const SenseCode code = unpack(ev);
    char numbers[32];
    std::snprintf(numbers, sizeof numbers, "(%x/%02xh/%02xh)", static_cast<unsigned>(code.key),
                  code.additional.asc, code.additional.ascq);
    std::string text{sense_key_name(code.key)};
    text += ": ";
    const std::string_view as = additional_sense_text(code.additional);
    text += as.empty() ? std::string_view{"ASC/ASCQ"} : as;
    text += ' ';
    text += numbers;
    return text;
  }
};

}  // namespace

std::string_view sense_key_name(SenseKey key) noexcept {
  switch (key) {
    case SenseKey::no_sense: return "NO SENSE";
    case SenseKey::recovered_error: return "RECOVERED ERROR";
    case SenseKey::not_ready: return "NOT READY";
    case SenseKey::medium_error: return "MEDIUM ERROR";
    case SenseKey::hardware_error: return "HARDWARE ERROR";
    case SenseKey::illegal_request: return "ILLEGAL REQUEST";
    case SenseKey::unit_attention: return "UNIT ATTENTION";
    case SenseKey::data_protect: return "DATA PROTECT";
    case SenseKey::blank_check: return "BLANK CHECK";
    case SenseKey::vendor_specific: return "VENDOR SPECIFIC";
    case SenseKey::copy_aborted: return "COPY ABORTED";
    case SenseKey::aborted_command: return "ABORTED COMMAND";
    case SenseKey::volume_overflow: return "VOLUME OVERFLOW";
    case SenseKey::miscompare: return "MISCOMPARE";
    case SenseKey::completed: return "COMPLETED";
  }
  return "RESERVED SENSE KEY";  // 0Ch
}

std::string_view additional_sense_text(AdditionalSense as) noexcept {
  for (const AscText& entry : kAscTexts) {
    if (entry.code == as) return entry.text;
  }
  return {};
}

const std::error_category& sense_category() noexcept {
  static const SenseCategory category;
  return category;
}

std::error_code make_error_code(const SenseCode& code) noexcept { return {pack(code), sense_category()}; }

std::optional<SenseCode> to_sense_code(const std::error_code& ec) noexcept {
  if (ec.category() != sense_category()) return std::nullopt;
  return unpack(ec.value());
}

}  // namespace uiscsi::iscsi::scsi
