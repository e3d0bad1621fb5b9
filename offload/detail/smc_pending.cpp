#include "offload/detail/smc_pending.h"

#include "offload/detail/smc_decline.h"

namespace uiscsi::offload::detail {
namespace {

constexpr std::uint8_t kSmcInit = 2;  // SMC_INIT: connect() called, handshake not finished

// SMC_DIAG's mode in the words PathInfo::mode uses.
std::string mode_name(std::uint8_t mode) {
  switch (static_cast<SmcMode>(mode)) {
    case SmcMode::smcr: return "SMC-R";
    case SmcMode::smcd: return "SMC-D";
    case SmcMode::fallback_tcp: return "TCP";
  }
  return std::to_string(mode);
}

std::string state_text(std::uint8_t state) {
  const std::string_view name = smc_state_name(state);
  return name.empty() ? std::to_string(state) : std::string(name);
}

}  // namespace

std::string_view smc_state_name(std::uint8_t state) noexcept {
  switch (state) {
    case 1: return "ACTIVE";
    case kSmcInit: return "INIT";
    case 7: return "CLOSED";
    case 10: return "LISTEN";
    case 20: return "PEERCLOSEWAIT1";
    case 21: return "PEERCLOSEWAIT2";
    case 22: return "APPCLOSEWAIT1";
    case 23: return "APPCLOSEWAIT2";
    case 24: return "APPFINCLOSEWAIT";
    case 25: return "PEERFINCLOSEWAIT";
    case 26: return "PEERABORTWAIT";
    case 27: return "PROCESSABORT";
    default: return {};
  }
}

std::string describe_pending_smc_connect(const std::optional<SmcDiagEntry>& entry,
                                         const std::error_code& diag_error) {
  if (!entry) {
    // query_smc_diag()'s answer for a socket missing from a complete dump (and the kernel's
    // for a host without the smc_diag module: no SMC socket is listed there either).
    if (diag_error == std::errc::no_such_file_or_directory) {
      return "SMC handshake state unknown: the socket is not in SMC_DIAG";
    }
    return "SMC handshake state unknown: SMC_DIAG: " + diag_error.message();
  }
  std::string facts = "SMC_DIAG: state " + state_text(entry->state) + ", mode " + mode_name(entry->mode);
  if (entry->mode == static_cast<std::uint8_t>(SmcMode::fallback_tcp)) {
    if (entry->has_fallback && entry->fallback_reason != 0) facts += ", fallback: " + describe_smc_fallback(entry->fallback_reason, entry->peer_diagnosis);
    return "SMC fell back to TCP and the TCP connect did not finish (" + facts + ")";
  }
  if (entry->state == kSmcInit) return "SMC handshake stuck (" + facts + ")";
  // Past INIT (the handshake ended as the wait did, or the socket is closing already).
  return "SMC connect unfinished (" + facts + ")";
}

}  // namespace uiscsi::offload::detail
