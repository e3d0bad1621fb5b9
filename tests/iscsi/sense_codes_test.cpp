#include <catch2/catch.hpp>

#include <system_error>

#include "iscsi/sense_codes.h"

using namespace uiscsi::iscsi::scsi;

TEST_CASE("sense codes: error_code carries key and ASC/ASCQ", "[sense]") {
  const SenseCode code{SenseKey::illegal_request, asc::lba_out_of_range};
  const std::error_code ec = make_error_code(code);
  CHECK(ec);
  CHECK(ec.category() == sense_category());
  CHECK(std::string(ec.category().name()) == "scsi.sense");
  CHECK(ec.value() == 0x052100);
  CHECK(ec.message() == "ILLEGAL REQUEST: LOGICAL BLOCK ADDRESS OUT OF RANGE (5/21h/00h)");
  REQUIRE(to_sense_code(ec));
  CHECK(*to_sense_code(ec) == code);
}

TEST_CASE("sense codes: messages for named and unnamed pairs", "[sense]") {
  CHECK(make_error_code({SenseKey::unit_attention, asc::capacity_data_has_changed}).message() ==
        "UNIT ATTENTION: CAPACITY DATA HAS CHANGED (6/2ah/09h)");
  CHECK(make_error_code({SenseKey::aborted_command, asc::protocol_service_crc_error}).message() ==
        "ABORTED COMMAND: PROTOCOL SERVICE CRC ERROR (b/47h/05h)");
  CHECK(make_error_code({SenseKey::hardware_error, {0x99, 0x42}}).message() ==
        "HARDWARE ERROR: ASC/ASCQ (4/99h/42h)");
  CHECK(sense_key_name(static_cast<SenseKey>(0x0c)) == "RESERVED SENSE KEY");
}

TEST_CASE("sense codes: NO SENSE 00/00 is no error; other categories do not convert", "[sense]") {
  CHECK_FALSE(make_error_code(SenseCode{}));
  CHECK(make_error_code({SenseKey::recovered_error, asc::no_additional_sense}));
  CHECK_FALSE(to_sense_code(std::make_error_code(std::errc::invalid_argument)));
}

TEST_CASE("sense codes: every named pair has its own text", "[sense]") {
  const AdditionalSense named[] = {asc::lba_out_of_range, asc::invalid_command_operation_code,
                                   asc::invalid_field_in_cdb, asc::invalid_field_in_parameter_list,
                                   asc::miscompare_during_verify, asc::write_error,
                                   asc::unrecovered_read_error, asc::medium_not_present,
                                   asc::power_on_reset_or_bus_device_reset, asc::mode_parameters_changed,
                                   asc::reservations_preempted, asc::reservations_released,
                                   asc::capacity_data_has_changed, asc::insufficient_registration_resources,
                                   asc::logical_unit_not_ready, asc::logical_unit_not_supported};
  for (std::size_t i = 0; i < std::size(named); ++i) {
    CHECK_FALSE(additional_sense_text(named[i]).empty());
    for (std::size_t j = 0; j < i; ++j) CHECK(additional_sense_text(named[i]) != additional_sense_text(named[j]));
  }
  CHECK(additional_sense_text({0xfe, 0xfe}).empty());
}
