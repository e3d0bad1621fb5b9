#include "iscsi/scsi_status.h"

#include <cstdio>
#include <string>

namespace uiscsi::iscsi::scsi {
namespace {

class StatusCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "scsi.status"; }

  std::string message(int ev) const override {
    const std::string_view name = status_name(static_cast<Status>(ev));
    if (!name.empty()) return std::string{name};
    char text[32];
    std::snprintf(text, sizeof text, "SCSI status 0x%02x", static_cast<unsigned>(ev) & 0xffu);
    return text;
  }
};

}  // namespace

std::string_view status_name(Status status) noexcept {
  switch (status) {
    case Status::good: return "GOOD";
    case Status::check_condition: return "CHECK CONDITION";
    case Status::condition_met: return "CONDITION MET";
    case Status::busy: return "BUSY";
    case Status::reservation_conflict: return "RESERVATION CONFLICT";
    case Status::task_set_full: return "TASK SET FULL";
    case Status::aca_active: return "ACA ACTIVE";
    case Status::task_aborted: return "TASK ABORTED";
  }
  return {};
}

const std::error_category& status_category() noexcept {
  static const StatusCategory category;
  return category;
}

std::error_code make_error_code(Status status) noexcept {
  // CONDITION MET is a success status (SAM-5 5.3.1): map it to "no error" like GOOD.
  if (status == Status::condition_met) return {};
  return {static_cast<int>(status), status_category()};
}

}  // namespace uiscsi::iscsi::scsi
