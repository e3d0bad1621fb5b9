#include "iscsi/pdu_error.h"

#include <string>

namespace uiscsi::iscsi {
namespace {

class PduCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "iscsi.pdu"; }

  std::string message(int ev) const override {
    switch (static_cast<pdu_errc>(ev)) {
      case pdu_errc::data_segment_too_long: return "DataSegmentLength exceeds the limit";
      case pdu_errc::ahs_too_long: return "AHS longer than 255 words";
      case pdu_errc::bad_ahs: return "malformed additional header segment";
      case pdu_errc::header_digest_mismatch: return "header digest mismatch";
      case pdu_errc::data_digest_mismatch: return "data digest mismatch";
      case pdu_errc::placement_too_small: return "placement buffer smaller than the data segment";
      case pdu_errc::placement_not_allowed: return "data placement outside the header window";
      case pdu_errc::mid_pdu: return "limits changed in the middle of a PDU";
      case pdu_errc::file_data_with_digest: return "a data segment sent from a file cannot carry a DataDigest";
    }
    return "unknown iscsi.pdu error";
  }
};

}  // namespace

const std::error_category& pdu_category() noexcept {
  static const PduCategory category;
  return category;
}

std::error_code make_error_code(pdu_errc e) noexcept {
  return {static_cast<int>(e), pdu_category()};
}

bool is_digest_error(const std::error_code& ec) noexcept {
  return ec == pdu_errc::header_digest_mismatch || ec == pdu_errc::data_digest_mismatch;
}

}  // namespace uiscsi::iscsi
