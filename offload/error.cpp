#include "offload/error.h"

#include <string>

namespace uiscsi::offload {
namespace {

class OffloadCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "offload"; }

  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::closed: return "connection closed by the peer";
      case errc::closed_mid_pdu: return "connection closed inside a PDU";
      case errc::receive_in_progress: return "another receive is already pending";
      case errc::not_supported: return "not supported by this transport";
      case errc::path_unavailable: return "requested data path is not available";
      case errc::file_ended: return "file ended before its data segment was sent";
    }
    return "unknown offload error";
  }
};

}  // namespace

const std::error_category& offload_category() noexcept {
  static const OffloadCategory category;
  return category;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), offload_category()}; }

}  // namespace uiscsi::offload
