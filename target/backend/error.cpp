#include "target/backend/error.h"

#include <string>

namespace uiscsi::target {
namespace {

class BackendCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "target.backend"; }

  std::string message(int ev) const override {
    switch (static_cast<backend_errc>(ev)) {
      case backend_errc::out_of_range: return "request beyond the last block";
      case backend_errc::misaligned: return "buffer is not a whole number of blocks";
      case backend_errc::not_supported: return "not supported by this backend";
      case backend_errc::invalid_config: return "invalid backend configuration";
      case backend_errc::bad_size: return "backing store size is not a positive multiple of the block size";
    }
    return "unknown backend error";
  }
};

}  // namespace

const std::error_category& backend_category() noexcept {
  static const BackendCategory category;
  return category;
}

std::error_code make_error_code(backend_errc e) noexcept { return {static_cast<int>(e), backend_category()}; }

}  // namespace uiscsi::target
