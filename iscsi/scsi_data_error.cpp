#include "iscsi/scsi_data_error.h"

#include <string>

namespace uiscsi::iscsi::scsi {
namespace {

class DataCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "scsi.data"; }

  std::string message(int ev) const override {
    switch (static_cast<data_errc>(ev)) {
      case data_errc::truncated: return "SCSI data shorter than its fixed part";
      case data_errc::unexpected_format: return "unexpected SCSI data format or page code";
      case data_errc::bad_length: return "inconsistent length field in SCSI data";
    }
    return "unknown scsi.data error";
  }
};

}  // namespace

const std::error_category& data_category() noexcept {
  static const DataCategory category;
  return category;
}

std::error_code make_error_code(data_errc e) noexcept { return {static_cast<int>(e), data_category()}; }

}  // namespace uiscsi::iscsi::scsi
