#include "offload/detail/smc_decline.h"

#include <array>
#include <cstdio>
#include <utility>

namespace uiscsi::offload::detail {
namespace {

// net/smc/smc_clc.h, Linux 6.1, in the kernel's own words (its comments).
constexpr std::array<std::pair<std::uint32_t, std::string_view>, 33> kDeclines{{
    {0x01010000, "insufficient memory resources"},
    {0x02010000, "timeout waiting for QP confirm link"},
    {0x02020000, "timeout waiting for QP add link"},
    {0x03000000, "configuration error"},
    {0x03010000, "peer did not indicate SMC"},
    {0x03020000, "IPsec usage"},
    {0x03030000, "no SMC device found"},
    {0x03030001, "no SMC-D device found"},
    {0x03030002, "no SMC-R device found"},
    {0x03030003, "hardware has no ISMv2 support"},
    {0x03030004, "peer sent no CLC v2 extension"},
    {0x03030005, "peer sent no CLC SMC-Dv2 extension"},
    {0x03030006, "peer sent no SEID"},
    {0x03030007, "no SMC-Dv2 device found"},
    {0x03030008, "peer sent no UEID"},
    {0x03040000, "SMC modes do not match (R or D)"},
    {0x03050000, "peer has eyecatcher in RMBE"},
    {0x03060000, "fastopen sockopt not supported"},
    {0x03070000, "IP prefix / subnet mismatch"},
    {0x03080000, "error getting the VLAN id of the IP device"},
    {0x03090000, "error registering the VLAN id on the ISM device"},
    {0x030a0000, "no active SMC-R link in link group"},
    {0x030b0000, "SMC-R link from server not found"},
    {0x030c0000, "SMC version mismatch"},
    {0x030d0000, "SMC-D DMB limit exceeded"},
    {0x030e0000, "SMC-Rv2 connection: no route to peer"},
    {0x030f0000, "SMC-Rv2 connection: indirect mismatch"},
    {0x04000000, "synchronization error"},
    {0x05000000, "peer declined during handshake"},
    {0x09990000, "internal error"},
    {0x09990001, "internal error: rtoken handling failed"},
    {0x09990002, "internal error: IB ready link failed"},
    {0x09990003, "internal error: registering RDMA buffers failed"},
}};

std::string_view class_text(std::uint32_t code) noexcept {
  switch (code >> 24) {
    case 0x01: return "resource shortage";
    case 0x02: return "timeout";
    case 0x03: return "configuration error";
    case 0x04: return "synchronization error";
    case 0x05: return "peer declined";
    case 0x09: return "internal error";
    default: return "decline";
  }
}

std::string hex(std::uint32_t code) {
  char text[11];
  std::snprintf(text, sizeof text, "0x%08x", code);
  return text;
}

}  // namespace

std::string_view smc_decline_text(std::uint32_t code) noexcept {
  for (const auto& [value, text] : kDeclines) {
    if (value == code) return text;
  }
  return {};
}

std::string describe_smc_decline(std::uint32_t code) {
  const std::string_view text = smc_decline_text(code);
  if (!text.empty()) return std::string(text) + " (" + hex(code) + ")";
  return std::string(class_text(code)) + " " + hex(code) + " (unknown code)";
}

std::string describe_smc_fallback(std::uint32_t reason, std::uint32_t peer_diagnosis) {
  // The kernel records SMC_CLC_DECL_PEERDECL as its own reason when the peer's CLC Decline
  // made it fall back; the peer's reason is then in peer_diagnosis.
  if (reason == 0x05000000 && peer_diagnosis != 0) return "peer declined: " + describe_smc_decline(peer_diagnosis);
  return describe_smc_decline(reason);
}

}  // namespace uiscsi::offload::detail
