#include <algorithm>
#include <cerrno>
#include <cstring>

#include "target/scsi/detail/asc.h"
#include "target/scsi/detail/request.h"

namespace uiscsi::target::scsi::detail {

using iscsi::scsi::AdditionalSense;
using iscsi::scsi::SenseData;
using iscsi::scsi::SenseKey;
namespace asc = iscsi::scsi::asc;

Response good(const Reply& req) {
  Response r;
  r.expected_length = req.expected_length;
  return r;
}

Response data_in(Reply& req, std::span<const std::byte> data, std::uint32_t allocation_length) {
  const auto wanted = static_cast<std::uint32_t>(std::min<std::size_t>(data.size(), allocation_length));
  req.expected_length = wanted;
  const auto n = static_cast<std::uint32_t>(std::min<std::size_t>(wanted, req.command.data_in.size()));
  if (n > 0) std::memcpy(req.command.data_in.data(), data.data(), n);
  return good_with_data(req, n);
}

Response good_with_data(Reply& req, std::uint32_t length) {
  Response r = good(req);
  r.data_in_length = length;
  return r;
}

Response check_condition(const Reply& req, const SenseData& sense) {
  Response r;
  r.status = Status::check_condition;
  r.expected_length = req.expected_length;
  r.sense = iscsi::scsi::encode_sense(sense, req.sense_format);
  return r;
}

Response check_condition(const Reply& req, SenseKey key, AdditionalSense additional) {
  SenseData sense;
  sense.code = {key, additional};
  return check_condition(req, sense);
}

Response cdb_error(const Reply& req, std::error_code ec) {
  SenseData sense;
  sense.code = iscsi::scsi::to_sense_code(ec).value_or(
      iscsi::scsi::SenseCode{SenseKey::illegal_request, asc::invalid_field_in_cdb});
  return check_condition(req, sense);
}

Response invalid_field_in_cdb(const Reply& req, std::uint16_t byte, std::optional<std::uint8_t> bit) {
  SenseData sense;
  sense.code = {SenseKey::illegal_request, asc::invalid_field_in_cdb};
  sense.sense_key_specific = iscsi::scsi::make_field_pointer(true, byte, bit);
  return check_condition(req, sense);
}

Response invalid_field_in_parameter_list(const Reply& req, std::uint16_t byte, std::optional<std::uint8_t> bit) {
  SenseData sense;
  sense.code = {SenseKey::illegal_request, asc::invalid_field_in_parameter_list};
  sense.sense_key_specific = iscsi::scsi::make_field_pointer(false, byte, bit);
  return check_condition(req, sense);
}

Response parameter_list_length_error(const Reply& req) {
  return check_condition(req, SenseKey::illegal_request, asc::parameter_list_length_error);
}

Response lba_out_of_range(const Reply& req) {
  return check_condition(req, SenseKey::illegal_request, asc::lba_out_of_range);
}

Response write_protected(const Reply& req) {
  return check_condition(req, SenseKey::data_protect, asc::write_protected);
}

Response reservation_conflict(const Reply& req) {
  Response r;
  r.status = Status::reservation_conflict;
  r.expected_length = req.expected_length;
  return r;
}

Response backend_failure(const Reply& req, std::error_code ec, IoDirection direction) {
  if (ec.category() == std::system_category() || ec.category() == std::generic_category()) {
    switch (ec.value()) {
      case EIO:
      case EBADMSG:
        return check_condition(req, SenseKey::medium_error,
                               direction == IoDirection::read ? asc::unrecovered_read_error : asc::write_error);
      case ENOSPC:
      case EDQUOT:
        return check_condition(req, SenseKey::data_protect, asc_extra::space_allocation_failed_write_protect);
      case EROFS:
        return write_protected(req);
      default:
        break;
    }
  }
  return check_condition(req, SenseKey::hardware_error, asc::internal_target_failure);
}

}  // namespace uiscsi::target::scsi::detail
