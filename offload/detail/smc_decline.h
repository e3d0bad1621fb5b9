// The reasons the Linux kernel gives for an SMC connection falling back to TCP: the
// SMC_CLC_DECL_* codes of net/smc/smc_clc.h (Linux 6.1), as SMC_DIAG reports them
// (struct smc_diag_fallback: the local reason, and the peer's diagnosis when the peer
// declined). The top byte is a class (RFC 7609 leaves the values to the implementation):
// 0x01 resources, 0x02 timeout, 0x03 configuration, 0x04 synchronisation, 0x05 the peer
// declined, 0x09 internal error.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace uiscsi::offload::detail {

// The kernel's words for `code` ("no SMC device found"), or empty if this table does not
// know it.
std::string_view smc_decline_text(std::uint32_t code) noexcept;

// For people: "no SMC device found (0x03030000)"; an unknown code by its class,
// "configuration error 0x030a0007 (unknown code)".
std::string describe_smc_decline(std::uint32_t code);

// Why a connection fell back, from SMC_DIAG's reason and peer diagnosis: the reason, and
// when the peer declined, what the peer said ("peer declined: no SMC device found
// (0x03030000)").
std::string describe_smc_fallback(std::uint32_t reason, std::uint32_t peer_diagnosis);

}  // namespace uiscsi::offload::detail
