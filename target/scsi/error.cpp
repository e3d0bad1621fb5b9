#include "target/scsi/error.h"

#include <string>

namespace uiscsi::target::scsi {
namespace {

class TargetCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "target.scsi"; }

  std::string message(int ev) const override {
    switch (static_cast<target_errc>(ev)) {
      case target_errc::lun_exists: return "LUN already configured";
      case target_errc::no_such_lun: return "LUN not configured";
      case target_errc::invalid_lun: return "LUN number out of range (0..16383)";
      case target_errc::corrupt_pr_state: return "persistent reservation state file is corrupt";
    }
    return "unknown target error";
  }
};

}  // namespace

const std::error_category& target_category() noexcept {
  static const TargetCategory category;
  return category;
}

std::error_code make_error_code(target_errc e) noexcept { return {static_cast<int>(e), target_category()}; }

}  // namespace uiscsi::target::scsi
